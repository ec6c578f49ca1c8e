import ChatModel
import Foundation
import Wire

/// The title bar (what the window on screen is) and the status bar (who we are, the relay,
/// the call with its live level meter, windows with unread messages, whether scrolled back).
/// Segments that do not fit are dropped, least important first.
struct BarRenderer {
    let theme: Theme
    let width: Int
    let now: Date

    /// Cells of the input level meter in the status bar.
    static let meterCells = 8

    func title(of model: ChatScreenModel) -> StyledLine {
        let conversation = model.active
        var runs = [StyledRun(" \(model.activeIndex + 1) ", theme.bar)]
        runs.append(StyledRun(DisplayWidth.sanitized(conversation.title), theme.barEmphasis))
        switch conversation.id {
        case .room:
            let online = model.peers.filter { $0.path != .offline }.count
            runs.append(StyledRun("  every peer on the network: \(online) online", theme.bar))
        case .peer(let id):
            if let peer = model.peers.first(where: { $0.id == id }) {
                runs.append(StyledRun("  " + DisplayWidth.sanitized(peer.shortFingerprint), theme.bar))
                runs.append(StyledRun(peer.verified ? "  verified ✓" : "  not verified", theme.bar))
                switch peer.path {
                case .direct: runs.append(StyledRun("  direct", theme.bar))
                case .relay: runs.append(StyledRun("  through the relay", theme.bar))
                case .online: runs.append(StyledRun("  online", theme.bar))
                case .offline: runs.append(StyledRun("  offline", theme.bar))
                }
                if let rtt = peer.roundTripMilliseconds, peer.path.isConnected {
                    runs.append(StyledRun(" " + PeersPaneRenderer.milliseconds(rtt), theme.bar))
                }
                if peer.inCall { runs.append(StyledRun("  in call ☎", theme.bar)) }
                if let away = peer.away, peer.path.isConnected {
                    runs.append(StyledRun(away.isEmpty ? "  away" : "  away: " + DisplayWidth.sanitized(away), theme.bar))
                }
            }
        }
        return filled(runs)
    }

    func status(of model: ChatScreenModel, scrolledBack: Bool) -> StyledLine {
        // (priority, runs): higher priorities survive narrow terminals.
        var segments: [(Int, [StyledRun])] = []
        let status = model.status
        segments.append((6, [StyledRun("[" + DisplayWidth.sanitized(status.ownNickname), theme.barEmphasis)]))
        segments.append((1, [StyledRun(" " + DisplayWidth.sanitized(status.ownFingerprint), theme.bar)]))
        segments.append((6, [StyledRun("]", theme.barEmphasis)]))
        if let away = status.away {
            segments.append((6, [StyledRun(" [away]", theme.barEmphasis)]))
            if !away.isEmpty { segments.append((1, [StyledRun(" " + DisplayWidth.sanitized(away), theme.bar)])) }
        }
        if let relay = relayText(status.relay) { segments.append((2, [StyledRun(" [relay: \(relay)]", theme.bar)])) }
        if let call = status.call { segments += callSegments(call) }
        if let transfers = status.transfers { segments.append((3, [StyledRun(Self.transfersText(transfers), theme.bar)])) }
        // The hotlist in window order: "!" names you, bold is a private message, plain the room,
        // dimmed a notice.
        let hotlist = model.hotlist
        if !hotlist.isEmpty {
            var runs = [StyledRun(" [act: ", theme.bar)]
            for (position, entry) in hotlist.enumerated() {
                if position > 0 { runs.append(StyledRun(",", theme.bar)) }
                switch entry.activity {
                case .mention: runs.append(StyledRun("\(entry.window)!", theme.barEmphasis))
                case .privateMessage: runs.append(StyledRun("\(entry.window)", theme.barEmphasis))
                case .room, .none: runs.append(StyledRun("\(entry.window)", theme.bar))
                case .notice: runs.append(StyledRun("\(entry.window)", theme.barDimmed))
                }
            }
            runs.append(StyledRun("]", theme.bar))
            segments.append((5, runs))
        }
        if scrolledBack { segments.append((7, [StyledRun(" [more below: End]", theme.barEmphasis)])) }
        var total = segments.reduce(0) { $0 + $1.1.reduce(0) { $0 + $1.width } }
        for priority in 1...7 where total > width {
            while total > width, let index = segments.firstIndex(where: { $0.0 == priority }) {
                total -= segments[index].1.reduce(0) { $0 + $1.width }
                segments.remove(at: index)
            }
        }
        return filled(segments.flatMap(\.1))
    }

    /// " [↓ big.bin 42% 150.0 MB/s 00:03 left]"; several: " [↕ 3 files 42% …]" (up: sending).
    static func transfersText(_ t: TransferStatus) -> String {
        let arrow = t.sending && t.receiving ? "↕" : (t.sending ? "↑" : "↓")
        let what = t.count == 1 ? DisplayWidth.sanitized(t.name) : "\(t.count) files"
        var text = " [\(arrow) \(what) \(Int(t.fraction * 100))%"
        if t.bytesPerSecond > 0 { text += " " + ByteCount.text(t.bytesPerSecond) + "/s" }
        if let left = t.secondsLeft, left.isFinite, left >= 0 {
            text += " " + TimeFormat.duration(seconds: Int(left.rounded(.up))) + " left"
        }
        return text + "]"
    }

    private func relayText(_ relay: RelayStatus) -> String? {
        switch relay {
        case .none: nil
        case .connecting(let host): "connecting to " + DisplayWidth.sanitized(host)
        case .connected(let host): DisplayWidth.sanitized(host)
        case .disconnected(let host, let reason):
            "down " + DisplayWidth.sanitized(host) + ": " + DisplayWidth.sanitized(reason)
        }
    }

    private func callSegments(_ call: CallStatus) -> [(Int, [StyledRun])] {
        let peer = DisplayWidth.sanitized(call.peerNickname)
        switch call.phase {
        case .dialing:
            return [(4, [StyledRun(" [☎ calling \(peer)]", theme.barEmphasis)])]
        case .ringing:
            return [(7, [StyledRun(" [☎ \(peer) calls: /answer or /decline]", theme.barEmphasis)])]
        case .active(let since):
            var segments: [(Int, [StyledRun])] = [
                (
                    4,
                    [
                        StyledRun(
                            " [☎ \(peer) " + TimeFormat.duration(seconds: Int(now.timeIntervalSince(since))),
                            theme.barEmphasis)
                    ]
                )
            ]
            let stats = call.stats
            var figures: [String] = []
            if let rtt = stats.roundTripMilliseconds { figures.append("rtt " + PeersPaneRenderer.milliseconds(rtt)) }
            if let loss = stats.lossPercent { figures.append("loss " + Self.oneDecimal(loss) + "%") }
            if let jitter = stats.jitterMilliseconds { figures.append("jit " + PeersPaneRenderer.milliseconds(jitter)) }
            // Which way the audio goes, as the arrows say: up is what we send.
            if let out = stats.sendKilobits { figures.append("↑ " + Self.oneDecimal(out) + " kb/s") }
            if let rate = stats.bitrateKilobits { figures.append("↓ " + Self.oneDecimal(rate) + " kb/s") }
            if !figures.isEmpty { segments.append((2, [StyledRun(" " + figures.joined(separator: " "), theme.bar)])) }
            segments.append((3, [StyledRun(" " + Self.meter(call.inputLevel), theme.bar)]))
            if call.muted { segments.append((4, [StyledRun(" MUTED", theme.barEmphasis)])) }
            segments.append((4, [StyledRun("]", theme.barEmphasis)]))
            return segments
        }
    }

    /// The input level as `meterCells` cells: ▮ lit, ▯ dark.
    static func meter(_ level: Double) -> String {
        let lit = Int((min(1, max(0, level.isNaN ? 0 : level)) * Double(meterCells)).rounded())
        return String(repeating: "▮", count: lit) + String(repeating: "▯", count: meterCells - lit)
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// Runs clipped to the width and padded with bar-styled spaces.
    private func filled(_ runs: [StyledRun]) -> StyledLine {
        var room = width
        var result: [StyledRun] = []
        for run in runs where room > 0 {
            let text = String(DisplayWidth.prefix(of: run.text, fitting: room))
            room -= DisplayWidth.of(text)
            result.append(StyledRun(text, run.style))
        }
        if room > 0 { result.append(StyledRun(String(repeating: " ", count: room), theme.bar)) }
        return StyledLine(result)
    }
}
