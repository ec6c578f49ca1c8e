import Wire

/// The quality of one call as this side sees it. Printable as one line (`description`) and as
/// JSON (Codable; field names are the JSON keys). Durations in milliseconds.
public struct CallStats: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The round trip, filled in by the owner: the lesser of the session's keepalive ping (which
    /// waits behind media queued behind a lost segment) and, on a direct session, the kernel's
    /// TCP round trip (which a lost segment does not lengthen, but delayed acknowledgements do);
    /// nil until measured.
    public var roundTripMs: Double?
    /// RFC 3550 §6.4.1 interarrival jitter of the received voice frames.
    public var jitterMs: Double = 0
    public var framesSent = 0
    public var framesReceived = 0
    /// Arrived after their playout slot; dropped.
    public var framesLate = 0
    /// Never arrived (slots missed less those that came late).
    public var framesLost = 0
    /// Played from packet loss concealment (losses without FEC, and buffer underruns).
    public var framesConcealed = 0
    /// Recovered from the next packet's in-band FEC data.
    public var framesFECRecovered = 0
    /// Payloads libopus refused (corrupt); concealed instead.
    public var framesCorrupt = 0
    /// Dropped as too far ahead (wild sequence jump, flood) or duplicated.
    public var framesDiscarded = 0
    /// Dropped as beyond `VoiceFloodLimits`' rate (a flood: over twice the frame rate, past a
    /// one-second burst).
    public var framesFlooded = 0
    /// Voice frames for no current call (an unknown call ID, or a call not yet or no longer
    /// up), dropped; counted over the whole process, not per call.
    public var framesUnknownCall = 0
    /// Arrived in time but dropped to bring the delay down: one now and then while the buffer
    /// runs deeper than its target, and whatever waits past the buffer's cap (400 ms) after a
    /// burst, such as the backlog a stalled TCP link delivers at once.
    public var framesDroppedBehind = 0
    /// Ticks that played silence because the stream had stopped for longer than the buffer waits
    /// for it (5 frames): a stalled link, or a peer that stopped sending (muted).
    public var framesSilentWaiting = 0
    /// Frames played (one per tick), silence before the first packet included.
    public var framesPlayed = 0
    /// Audio waiting in the jitter buffer, and the depth it steers towards.
    public var bufferDepthMs: Double = 0
    public var targetDepthMs: Double = 0
    /// The deepest the buffer ran after a playout tick during the call.
    public var bufferDepthPeakMs: Double = 0
    /// Average Opus payload bitrate since the first frame, received and sent, in kbit/s.
    public var receiveKbps: Double = 0
    public var sendKbps: Double = 0
    /// What this side's encoder uses now, following the loss the peer reports: the packet-loss
    /// hint in percent, and whether in-band FEC is on (docs/VOICE.md, "Adapting to the link").
    public var sendLossHintPercent = 0
    public var sendFEC = false

    public init() {}

    public var description: String {
        let rtt = roundTripMs.map { format($0) + " ms" } ?? "?"
        return "rtt \(rtt), jitter \(format(jitterMs)) ms, buffer \(format(bufferDepthMs)) ms"
            + " (target \(format(targetDepthMs)) ms, peak \(format(bufferDepthPeakMs)) ms), sent \(framesSent),"
            + " received \(framesReceived),"
            + " late \(framesLate), lost \(framesLost), concealed \(framesConcealed),"
            + " FEC-recovered \(framesFECRecovered), dropped-behind \(framesDroppedBehind),"
            + " silent-waiting \(framesSilentWaiting), corrupt \(framesCorrupt), discarded \(framesDiscarded),"
            + " flooded \(framesFlooded), unknown-call \(framesUnknownCall),"
            + " \(format(receiveKbps)) kbit/s in, \(format(sendKbps)) kbit/s out,"
            + " FEC \(sendFEC ? "on" : "off") (loss hint \(sendLossHintPercent) %)"
    }

    /// The report this side sends its peer once a second (values clamped to the wire fields).
    public var report: CallReport {
        CallReport(
            framesReceived: UInt32(clamping: framesReceived), framesLost: UInt32(clamping: framesLost),
            framesLate: UInt32(clamping: framesLate), jitterMicroseconds: UInt32(clamping: Int(jitterMs * 1000)),
            bufferDepthMilliseconds: UInt16(clamping: Int(bufferDepthMs)))
    }

    private func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}

extension CallStats {
    /// The received sound in one word, from the share of frames lost or late and the jitter:
    /// excellent (under 1 %, jitter under 20 ms), good (under 3 %), fair (under 10 %), poor.
    public var quality: String {
        let expected = framesReceived + framesLost
        guard expected > 0 else { return "nothing heard" }
        let missed = Double(framesLost + framesLate + framesDroppedBehind) * 100 / Double(expected)
        if missed < 1 && jitterMs < 20 { return "excellent" }
        if missed < 3 { return "good" }
        if missed < 10 { return "fair" }
        return "poor"
    }

    /// "sound excellent (lost 0.0 %, late 0.0 %, jitter 0.3 ms)": the words, then the figures
    /// they come from.
    public var qualityText: String {
        let expected = max(framesReceived + framesLost, 1)
        func share(_ count: Int) -> String { String(format: "%.1f %%", Double(count) * 100 / Double(expected)) }
        let dropped = framesDroppedBehind > 0 ? ", dropped to catch up \(share(framesDroppedBehind))" : ""
        return "sound \(quality) (lost \(share(framesLost)), late \(share(framesLate))\(dropped), jitter "
            + String(format: "%.1f", jitterMs) + " ms)"
    }
}
