import ChatModel
import FileTransfer
import Files
import Foundation
import Identity
import Net
import Session
import Synchronization
import Wire

/// Who may have files stored without asking.
public enum FileAcceptPolicy: String, Sendable, CaseIterable {
    /// Every offer waits for `/accept` or `/reject`.
    case ask
    /// Offers from peers marked verified (`/verify NICK confirm`) are taken at once, others wait.
    case verified
    /// Every offer is taken at once (an unattended host).
    case any
}

/// What the chat's file transfers need to know.
public struct FileOptions: Sendable {
    public var downloads: String
    public var acceptFrom: FileAcceptPolicy
    /// Offers above this many bytes are never taken without `/accept`.
    public var maxAutoAcceptSize: UInt64

    public init(downloads: String, acceptFrom: FileAcceptPolicy = .ask, maxAutoAcceptSize: UInt64 = 4 << 30) {
        self.downloads = downloads
        self.acceptFrom = acceptFrom
        self.maxAutoAcceptSize = maxAutoAcceptSize
    }

    /// `$XDG_DOWNLOAD_DIR/parley`, or `~/Downloads/parley`.
    public static func defaultDownloads(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DOWNLOAD_DIR"], xdg.hasPrefix("/") { return xdg + "/parley" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/Downloads/parley"
    }
}

/// Files in `parley chat`: `/file NICK PATH…` offers files on the peer's direct session,
/// `/accept` and `/reject` answer offers, and each transfer runs as a task of the chat. Offers
/// are numbered as they come; at most `maxPendingOffers` wait (older ones are refused), and
/// at most `maxTransfers` run at once.
public actor FileFeature: FileCommands {
    public let options: FileOptions
    /// Offers waiting for an answer, bounded: a peer that offers without end pushes out only
    /// its own and others' oldest offers, which are refused.
    public static let maxPendingOffers = 16
    /// Transfers running at once, both directions.
    public static let maxTransfers = 8

    struct Pending {
        var number: Int
        var peer: PeerID
        var link: ObjectIdentifier
        var connection: PeerConnection
        var offer: FileOffer
    }

    struct Key: Hashable {
        var peer: PeerID
        var transfer: TransferID
    }

    enum Running {
        case sending(FileSender, link: ObjectIdentifier)
        case receiving(FileReceiver, link: ObjectIdentifier)
        /// Accepted; the receiver is looking for the same content under the same name.
        case checking(link: ObjectIdentifier)
    }

    /// The receivers, also outside the actor: their chunks are handed over on the session's
    /// own task without a switch to this actor (`route`).
    private let receivers = Mutex<[Key: FileReceiver]>([:])
    private var pending: [Pending] = []
    private var nextNumber = 1
    private var running: [Key: Running] = [:]
    /// The number `/files` and `/cancel` give each running transfer, in the order they started.
    private var numbers: [Key: Int] = [:]
    private var nextTransferNumber = 1
    /// Offer questions a peer may raise: 8 at once, then one every 5 s; past that its offers
    /// are refused (answer 0) and counted, with one line saying so until it slows down.
    public static let offerRate = 0.2
    public static let offerBurst = 8
    private var offerGate = RateLimiter<PeerID>(rate: FileFeature.offerRate, burst: FileFeature.offerBurst, capacity: 256)
    /// Peers told that their offers are refused for now.
    private var quieted: Set<PeerID> = []
    /// Whether the status bar's progress is being drawn (a task while transfers run).
    private var ticking = false
    /// The batches accepted, by session: their later files are taken without asking.
    private var batches = FileBatchBook<ObjectIdentifier>()
    /// Counters: offers refused for size or count, frames for no known transfer.
    public private(set) var refusedOffers = 0
    public private(set) var strayFrames = 0

    public init(options: FileOptions) { self.options = options }

    // MARK: Commands

    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async {
        switch command {
        case .file(let nickname, let path):
            await offer(path, to: nickname, in: conversation, chat: chat)
        case .accept(let number):
            guard let index = pendingIndex(number) else {
                await chat.show(.error(number.map { "/accept: no file offer \($0)" } ?? "/accept: no file offer waits", in: conversation))
                return
            }
            let offer = pending.remove(at: index)
            await accept(offer, chat: chat)
        case .files:
            await list(in: conversation, chat: chat)
        case .cancelTransfer(let number):
            let chosen = number.map { n in numbers.first { $0.value == n }?.key } ?? numbers.max { $0.value < $1.value }?.key
            guard let key = chosen, let transfer = running[key] else {
                await chat.show(.error(number.map { "/cancel: no file transfer \($0)" } ?? "/cancel: no file transfer runs", in: conversation))
                return
            }
            // The transfer's own task says how it ended; the receiver keeps what it verified.
            switch transfer {
            case .sending(let sender, _): await sender.cancel()
            case .receiving(let receiver, _): receiver.cancel()
            case .checking: break
            }
        case .reject(let number):
            guard let index = pendingIndex(number) else {
                await chat.show(.error(number.map { "/reject: no file offer \($0)" } ?? "/reject: no file offer waits", in: conversation))
                return
            }
            let offer = pending.remove(at: index)
            offer.connection.sendFrameNoWait(.file(.answer(transfer: offer.offer.transfer, accepted: false)))
            await chat.show(.notice("refused \(LineOutput.sanitize(offer.offer.name)) from \(LineOutput.sanitize(await chat.nickname(of: offer.peer)))"))
        default:
            break
        }
    }

    private func pendingIndex(_ number: Int?) -> Int? {
        guard let number else { return pending.indices.last }
        return pending.firstIndex { $0.number == number }
    }

    /// `/file NICK PATH…`: the files and directories of `rest`, offered as one batch and sent
    /// one after another on the direct session; the peer answers the first offer for all.
    private func offer(_ rest: String, to nickname: String, in conversation: ConversationID, chat: ChatController) async {
        guard let peer = await chat.peer(named: nickname, in: conversation) else { return }
        let nick = LineOutput.sanitize(await chat.nickname(of: peer))
        guard let connection = await chat.directConnection(with: peer) else {
            await chat.show(.error("/file: no direct session with \(nick) (files do not go through the relay yet)", in: conversation))
            return
        }
        guard running.count < Self.maxTransfers else {
            await chat.show(.error("/file: \(Self.maxTransfers) transfers are running; wait for one to end", in: conversation))
            return
        }
        let exists = { (path: String) in FileManager.default.fileExists(atPath: (path as NSString).expandingTildeInPath) }
        guard let paths = FilePaths.split(rest, exists: exists), !paths.isEmpty else {
            await chat.show(.error("/file: a quote is left open in \(LineOutput.sanitize(rest))", in: conversation))
            return
        }
        chat.tasks.spawn { [weak self] in
            let selection: FileSelection
            do throws(FileProblem) {
                selection = try FileSelection.collect(paths)
            } catch {
                await chat.show(.error("/file: \(error.description)", in: conversation))
                return
            }
            await self?.send(selection, to: peer, nick: nick, on: connection, in: conversation, chat: chat)
        }
    }

    /// Sends a selection's files in order, each hashed just before its offer; the first failure
    /// ends the batch.
    private nonisolated func send(
        _ selection: FileSelection, to peer: PeerID, nick: String, on connection: PeerConnection,
        in conversation: ConversationID, chat: ChatController
    ) async {
        // "photos/ (12 files, 30.0 MB)", "3 files (5.0 MB)", "notes.txt".
        let title = LineOutput.sanitize(selection.title)
        let total = Self.bytes(selection.bytes)
        let what = title.hasSuffix("/") ? "\(title) (\(selection.items.count) files, \(total))" : "\(title) (\(total))"
        let count = selection.items.count
        let many = count > 1
        let batchID = UInt64.random(in: 1...UInt64.max)
        let begun = ContinuousClock.now
        if selection.skipped > 0 {
            await chat.show(.notice("/file: \(selection.skipped) hidden entries, links or special files left out", in: conversation))
        }
        await chat.show(.notice(many ? "hashing \(what)…" : "hashing \(title)…", in: conversation))
        for (index, item) in selection.items.enumerated() {
            let name = LineOutput.sanitize(item.name)
            let sent = many ? "; \(index) of \(count) files sent" : ""
            let source: SourceFile
            do throws(FileProblem) {
                source = try SourceFile(
                    path: item.path, transfer: .random(in: 1...UInt64.max), name: item.name,
                    batch: selection.batch(id: batchID, index: index))
            } catch {
                await chat.show(.error("/file: \(error.description)\(sent)", in: conversation))
                return
            }
            let key = Key(peer: peer, transfer: source.offer.transfer)
            let sender = FileSender(source: source, connection: connection)
            await started(.sending(sender, link: ObjectIdentifier(connection)), key: key, chat: chat)
            // The session may have ended meanwhile: the sender would wait for an answer that cannot come.
            if await chat.directConnection(with: peer) !== connection { await sender.sessionClosed() }
            if index == 0 {
                await chat.show(.notice("offered \(what) to \(nick); waiting for \(nick) to accept", in: conversation))
            }
            let outcome = await sender.run()
            await finished(key)
            let progress = await sender.progress
            guard case .done = outcome else {
                await chat.show(.error("\(name) to \(nick): \(outcome)\(sent)", in: conversation))
                return
            }
            if !many {
                await chat.show(.notice("sent \(name) to \(nick): \(Self.bytes(source.offer.size)) in \(Self.seconds(progress.elapsed)) s", in: conversation))
            }
        }
        if many {
            await chat.show(.notice("sent \(what) to \(nick) in \(Self.seconds(ContinuousClock.now - begun)) s", in: conversation))
        }
    }

    // MARK: Frames

    /// Hands a frame of a running receive to its receiver at once; false when it is not one.
    nonisolated func route(_ frame: FileFrame, from peer: PeerID) -> Bool {
        guard let receiver = receivers.withLock({ $0[Key(peer: peer, transfer: frame.transfer)] }) else { return false }
        receiver.receive(frame)
        return true
    }

    func received(_ frame: FileFrame, on link: any ChatLink, from peer: PeerID, chat: ChatController) async {
        let key = Key(peer: peer, transfer: frame.transfer)
        if case .offer(let offer) = frame {
            await offered(offer, on: link, from: peer, chat: chat)
            return
        }
        switch running[key] {
        case .sending(let sender, _): await sender.receive(frame)
        case .receiving(let receiver, _): receiver.receive(frame)
        case .checking: strayFrames += 1
        case nil:
            // A cancel for an offer still waiting withdraws it; anything else is stray.
            if case .cancel = frame, let index = pending.firstIndex(where: { $0.peer == peer && $0.offer.transfer == frame.transfer }) {
                let offer = pending.remove(at: index)
                await chat.show(.notice("\(LineOutput.sanitize(offer.offer.name)): withdrawn by the sender"))
            } else {
                strayFrames += 1
            }
        }
    }

    private func offered(_ offer: FileOffer, on link: any ChatLink, from peer: PeerID, chat: ChatController) async {
        guard let connection = link as? PeerConnection else { return }
        let nick = LineOutput.sanitize(await chat.nickname(of: peer))
        let name = LineOutput.sanitize(FileNames.relativePath(offer.name))
        guard !connection.isRelayed else {
            // Files travel on direct sessions only (for now): the sender hears no at once.
            refusedOffers += 1
            connection.sendFrameNoWait(.file(.answer(transfer: offer.transfer, accepted: false)))
            await chat.show(.error("\(nick) offered \(name) through the relay: refused, files travel on direct sessions only"))
            return
        }
        let entry = Pending(number: nextNumber, peer: peer, link: ObjectIdentifier(connection), connection: connection, offer: offer)
        switch batches.admit(offer, from: ObjectIdentifier(connection)) {
        case .take:
            // The next file of a batch the user (or the policy) accepted.
            await receive(entry, chat: chat)
            return
        case .refuse:
            refusedOffers += 1
            connection.sendFrameNoWait(.file(.answer(transfer: offer.transfer, accepted: false)))
            await chat.show(.error("\(nick) offered \(name) outside the terms of the batch it belongs to: refused"))
            return
        case .ask:
            break
        }
        guard offerGate.allow(peer, now: .now()) else {
            refusedOffers += 1
            connection.sendFrameNoWait(.file(.answer(transfer: offer.transfer, accepted: false)))
            if quieted.insert(peer).inserted {
                await chat.show(.error("\(nick) offers files too fast: its offers are refused until it slows down"))
            }
            return
        }
        quieted.remove(peer)
        nextNumber += 1
        let root = offer.root.prefix(6).map { String(format: "%02x", $0) }.joined()
        let auto: Bool
        switch options.acceptFrom {
        case .ask: auto = false
        case .verified: auto = await chat.isVerified(peer)
        case .any: auto = true
        }
        let batch = offer.batch
        let what = batch.count > 1
            ? "\(batch.count) files (\(Self.bytes(batch.bytes)); first \(name), root \(root)…)"
            : "\(name) (\(Self.bytes(offer.size)), root \(root)…)"
        // A batch's size is all its files'.
        if auto, batch.bytes <= options.maxAutoAcceptSize {
            await chat.show(.notice("\(nick) sends \(what): taken, as allowed by --accept-files-from \(options.acceptFrom.rawValue)"))
            await accept(entry, chat: chat)
            return
        }
        pending.append(entry)
        if pending.count > Self.maxPendingOffers {
            let oldest = pending.removeFirst()
            refusedOffers += 1
            oldest.connection.sendFrameNoWait(.file(.answer(transfer: oldest.offer.transfer, accepted: false)))
        }
        let line = "\(nick) offers \(what): /accept \(entry.number) or /reject \(entry.number)"
        await chat.show(ChatOutput([.notice(line, in: nil), .bell], line: "* " + line))
    }

    /// The user or the policy took an offer: the rest of its batch follows without asking.
    private func accept(_ offer: Pending, chat: ChatController) async {
        batches.accepted(offer.offer, from: offer.link)
        await receive(offer, chat: chat)
    }

    /// Receives an accepted file into the downloads directory (the directories of its offered
    /// path under it), unless the same content is already there under that name.
    private func receive(_ offer: Pending, chat: ChatController) async {
        let nick = LineOutput.sanitize(await chat.nickname(of: offer.peer))
        let name = LineOutput.sanitize(FileNames.relativePath(offer.offer.name))
        guard running.count < Self.maxTransfers else {
            offer.connection.sendFrameNoWait(.file(.answer(transfer: offer.offer.transfer, accepted: false)))
            await chat.show(.error("\(name) from \(nick): refused, \(Self.maxTransfers) transfers are running"))
            return
        }
        let directory = ([options.downloads] + FileNames.directories(of: offer.offer.name)).joined(separator: "/")
        let batch = offer.offer.batch
        let place = batch.count > 1 ? " (\(batch.index + 1) of \(batch.count))" : ""
        // Quiet for the files of a large batch: a line for the first, the last and failures.
        let loud = batch.count <= 20 || batch.index == 0 || batch.index + 1 == batch.count
        let key = Key(peer: offer.peer, transfer: offer.offer.transfer)
        running[key] = .checking(link: offer.link)
        chat.tasks.spawn { [weak self] in
            // Off the actor: this reads the existing file whole.
            if let existing = PartFile.identical(to: offer.offer, in: directory) {
                await self?.finished(key)
                offer.connection.sendFrameNoWait(.file(.answer(transfer: offer.offer.transfer, accepted: true)))
                offer.connection.sendFrameNoWait(.file(.complete(transfer: offer.offer.transfer)))
                if loud {
                    await chat.show(.notice("\(name) from \(nick)\(place): already here as \(LineOutput.sanitize(existing))"))
                }
                return
            }
            guard let self else { return }
            let receiver: FileReceiver
            do throws(FileProblem) {
                receiver = try FileReceiver(offer: offer.offer, directory: directory, connection: offer.connection)
            } catch {
                await self.finished(key)
                offer.connection.sendFrameNoWait(.file(.cancel(transfer: offer.offer.transfer, reason: .cannotStore)))
                await chat.show(.error("\(name) from \(nick): \(error.description)"))
                return
            }
            // The session may have ended during the check: the receiver ends at once, its part kept.
            if await !self.startReceiving(receiver, key: key, link: offer.link, chat: chat) { receiver.sessionClosed() }
            if loud {
                await chat.show(.notice("receiving \(name)\(place) from \(nick) into \(LineOutput.sanitize(receiver.partPath))"))
            }
            let outcome = await receiver.run()
            await self.finished(key)
            let progress = receiver.progress
            let resumed = receiver.resumedFrom
            switch outcome {
            case .done(let path):
                guard loud else { return }
                let from = resumed > 0 ? " (resumed at \(Self.bytes(resumed)))" : ""
                await chat.show(.notice("received \(name)\(place) from \(nick): \(LineOutput.sanitize(path ?? "")), \(Self.bytes(offer.offer.size)) in \(Self.seconds(progress.elapsed)) s\(from)"))
            case .ended:
                await chat.show(.error("\(name) from \(nick): \(outcome); \(LineOutput.sanitize(receiver.partPath)) kept to resume"))
            }
        }
    }

    private func started(_ transfer: Running, key: Key, chat: ChatController) {
        running[key] = transfer
        if numbers[key] == nil {
            numbers[key] = nextTransferNumber
            nextTransferNumber += 1
        }
        if case .receiving(let receiver, _) = transfer { receivers.withLock { $0[key] = receiver } }
        guard !ticking else { return }
        ticking = true
        // The status bar's sum of the transfers, once a second while any runs.
        chat.tasks.spawn { [weak self] in
            while !Task.isCancelled {
                guard let feature = self, await feature.showProgress(chat) else { return }
                try? await Task.sleep(for: Self.progressInterval)
            }
        }
    }

    /// `/files`: a line per running transfer (number, direction, name, peer, progress) and per
    /// offer waiting.
    private func list(in conversation: ConversationID, chat: ChatController) async {
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
    private func showProgress(_ chat: ChatController) async -> Bool {
        var figures: [(progress: FileProgress, sending: Bool)] = []
        for transfer in running.values {
            switch transfer {
            case .sending(let sender, _): figures.append((await sender.progress, true))
            case .receiving(let receiver, _): figures.append((receiver.progress, false))
            case .checking: continue
            }
        }
        guard !figures.isEmpty || !running.isEmpty else {
            ticking = false
            await chat.show(ChatOutput([.transfers(nil)]))
            return false
        }
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
    /// Starts a receive that was being checked; false when its session ended meanwhile.
    private func startReceiving(_ receiver: FileReceiver, key: Key, link: ObjectIdentifier, chat: ChatController) -> Bool {
        guard case .checking = running[key] else { return false }
        started(.receiving(receiver, link: link), key: key, chat: chat)
        return true
    }

    private func finished(_ key: Key) {
        running[key] = nil
        numbers[key] = nil
        receivers.withLock { $0[key] = nil }
    }

    func sessionClosed(_ link: any ChatLink) async {
        let id = ObjectIdentifier(link as AnyObject)
        pending.removeAll { $0.link == id }
        batches.forget(id)
        for (key, transfer) in running {
            if case .checking(let on) = transfer, on == id { running[key] = nil }
        }
        for transfer in running.values {
            switch transfer {
            case .sending(let sender, let on) where on == id: await sender.sessionClosed()
            case .receiving(let receiver, let on) where on == id: receiver.sessionClosed()
            default: continue
            }
        }
    }

    func stop() async {
        for transfer in running.values {
            switch transfer {
            case .sending(let sender, _): await sender.cancel()
            case .receiving(let receiver, _): receiver.cancel()
            case .checking: continue
            }
        }
    }

    static func bytes(_ count: UInt64) -> String { FileProgress.text(bytes: count) }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
