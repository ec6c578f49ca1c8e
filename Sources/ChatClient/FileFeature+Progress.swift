import ChatModel
import FileTransfer
import Files

/// Where the transfers stand: `/files` in the window, and the sum in the status bar.
extension FileFeature {
    /// `/files`: a line per running transfer (number, direction, name, peer, progress) and per
    /// offer waiting.
    func list(in conversation: ConversationID, chat: ChatController) async {
        var lines: [String] = []
        for (key, number) in numbers.sorted(by: { $0.value < $1.value }) {
            let nick = LineOutput.sanitize(await chat.nickname(of: key.peer))
            switch running[key] {
            case .sending(let sender, _):
                lines.append("\(number) ↑ " + Self.describe(await sender.progress, peer: "to " + nick))
            case .receiving(let receiver, _):
                lines.append("\(number) ↓ " + Self.describe(receiver.progress, peer: "from " + nick))
            case .checking, nil:
                continue
            }
        }
        for offer in pending {
            let nick = LineOutput.sanitize(await chat.nickname(of: offer.peer))
            let batch = offer.offer.batch
            let what = batch.count > 1
                ? "\(batch.count) files (\(Self.bytes(batch.bytes)))"
                : "\(LineOutput.sanitize(FileNames.relativePath(offer.offer.name))) (\(Self.bytes(offer.offer.size)))"
            lines.append("offer \(offer.number): \(nick) offers \(what): /accept \(offer.number) or /reject \(offer.number)")
        }
        if lines.isEmpty { lines = ["no file transfers and no offers"] }
        for line in lines { await chat.show(.notice(line, in: conversation)) }
    }

    /// "big.bin from alice: 42% of 500.0 MB, 150.0 MB/s, 3 s left".
    static func describe(_ progress: FileProgress, peer: String) -> String {
        var text = "\(LineOutput.sanitize(FileNames.relativePath(progress.name))) \(peer): "
            + "\(Int(progress.fraction * 100))% of \(bytes(progress.size))"
        if progress.rate > 0 { text += ", \(bytes(UInt64(progress.rate)))/s" }
        if let left = progress.secondsLeft, progress.done < progress.size { text += ", \(Int(left.rounded(.up))) s left" }
        return text
    }

    /// How often the status bar's transfer figures are redrawn.
    static let progressInterval: Duration = .seconds(1)

    /// Shows the running transfers summed up in the status bar; false, the bar cleared, when
    /// none runs any more.
    func showProgress(_ chat: ChatController) async -> Bool {
        var figures: [(progress: FileProgress, sending: Bool)] = []
        for transfer in running.values {
            switch transfer {
            case .sending(let sender, _): figures.append((await sender.progress, true))
            case .receiving(let receiver, _): figures.append((receiver.progress, false))
            case .checking: continue
            }
        }
        guard !running.isEmpty else {
            ticking = false
            await chat.show(ChatOutput([.transfers(nil)]))
            return false
        }
        // Only receives still looking for the same content already there: nothing to show yet.
        guard !figures.isEmpty else { return true }
        let size = figures.reduce(UInt64(0)) { $0 + $1.progress.size }
        let done = figures.reduce(UInt64(0)) { $0 + min($1.progress.size, $1.progress.done) }
        let rate = figures.reduce(0.0) { $0 + $1.progress.rate }
        let status = TransferStatus(
            count: figures.count, name: figures.first.map { FileNames.relativePath($0.progress.name) } ?? "",
            sending: figures.contains { $0.sending }, receiving: figures.contains { !$0.sending },
            fraction: size == 0 ? 1 : Double(done) / Double(size), bytesPerSecond: rate,
            secondsLeft: rate > 0 ? Double(size - done) / rate : nil)
        await chat.show(ChatOutput([.transfers(status)]))
        return true
    }
}
