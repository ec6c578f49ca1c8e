import ChatModel
import Foundation
import Identity
import Voice
import Wire

extension CallSummary {
    /// The lines `parley call` prints when a call ends.
    public var textLines: [String] {
        let who = nickname.map { "\(LineOutput.sanitize($0)) (\(peer.fingerprint))" } ?? "\(peer.fingerprint)"
        var lines = ["call with \(who) ended: \(reason)"]
        guard wasActive else { return lines }
        // For people first: how long, how it sounded, in words; then every number.
        let seconds = String(format: "%.1f", duration.secondsDouble)
        lines.append("lasted \(seconds) s, \(stats.qualityText)" + (params.map { "; \($0.summaryText)" } ?? ""))
        lines.append("numbers: " + stats.description)
        if let report = peerReport {
            lines.append(
                "peer heard: received \(report.framesReceived), lost \(report.framesLost), late \(report.framesLate),"
                    + " jitter \(String(format: "%.1f", Double(report.jitterMicroseconds) / 1000)) ms,"
                    + " buffer \(report.bufferDepthMilliseconds) ms")
        }
        if let recording { lines.append("recorded to \(recording)") }
        return lines
    }

    /// One JSON object: the statistics' fields (`CallStats` keys) with the call's own.
    public var json: String {
        var object: [String: Any] = [:]
        if let data = try? JSONEncoder().encode(stats),
            let fields = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            object = fields
        }
        object["roundTripMs"] = stats.roundTripMs ?? NSNull()
        object["peer"] = peer.fingerprint.description
        object["nickname"] = nickname ?? NSNull()
        object["callID"] = String(callID)
        object["answered"] = wasActive
        object["endReason"] = reason.code
        object["endReasonText"] = reason.description
        object["durationSeconds"] = (duration.secondsDouble * 1000).rounded() / 1000
        object["recording"] = recording ?? NSNull()
        if let params {
            object["params"] = [
                "sampleRate": Int(params.sampleRate), "channels": Int(params.channels),
                "frameMs": Double(params.frameDurationTenthsMs) / 10, "bitrate": Int(params.bitrate),
                "fec": params.fec, "dtx": params.dtx,
            ]
        } else {
            object["params"] = NSNull()
        }
        if let report = peerReport {
            object["peerReport"] = [
                "framesReceived": Int(report.framesReceived), "framesLost": Int(report.framesLost),
                "framesLate": Int(report.framesLate), "jitterMs": Double(report.jitterMicroseconds) / 1000,
                "bufferDepthMs": Int(report.bufferDepthMilliseconds),
            ]
        } else {
            object["peerReport"] = NSNull()
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension Voice.CallStats {
    /// The live line on a terminal: short enough for 80 columns.
    var liveLine: String {
        let rtt = roundTripMs.map { String(format: "%.1f", $0) } ?? "?"
        return "rtt \(rtt) ms  jitter \(String(format: "%.1f", jitterMs)) ms  buffer \(Int(bufferDepthMs)) ms"
            + "  rx \(framesReceived) lost \(framesLost) late \(framesLate) PLC \(framesConcealed)"
            + " FEC \(framesFECRecovered)  \(String(format: "%.0f", receiveKbps))/\(String(format: "%.0f", sendKbps)) kbit/s"
    }
}

extension Duration {
    var secondsDouble: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// Writes to standard error; the live statistics line rewrites itself on a terminal.
public final class CallStatusOutput: @unchecked Sendable {
    private let lock = NSLock()
    private let live: Bool
    private var lineShown = false

    public init(live: Bool = isatty(STDERR_FILENO) == 1) { self.live = live }

    public func note(_ text: String) {
        lock.withLock {
            clearLive()
            FileHandle.standardError.write(Data("parley: \(text)\n".utf8))
        }
    }

    public func stats(_ stats: Voice.CallStats) {
        guard live else { return }
        lock.withLock {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(stats.liveLine)".utf8))
            lineShown = true
        }
    }

    public func finish() { lock.withLock { clearLive() } }

    private func clearLive() {
        guard lineShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        lineShown = false
    }
}
