/// Limits on the voice frames a peer sends in a call, each with its reason.
public enum VoiceFloodLimits {
    /// A peer may send at most this many times the negotiated frame rate over time: a real
    /// sender sends exactly one frame per frame duration, so twice that is never a real stream.
    public static let floodRateFactor = 2
    /// Frames a peer may send at once beyond the rate: three seconds of audio, the jitter
    /// buffer's own reach (`AdaptiveJitterBuffer.Config.maxAheadFrames` at 20 ms), so a link or
    /// a receiving process that stalled (and then takes everything together) loses nothing the
    /// buffer would have kept.
    public static let floodBurst: Duration = .seconds(3)
}

/// A token bucket over arrival times: refills at `VoiceFloodLimits.floodRateFactor` frames per frame
/// duration, holds at most `VoiceFloodLimits.floodBurst` of frames; a frame without a token is
/// dropped (a flood). Pure; the arrival clock is the caller's.
public struct VoiceRateLimit: Sendable {
    /// Frames admitted at once from full.
    public let capacity: Int
    private let nanosecondsPerToken: Double
    private var tokens: Double
    private var last: MediaTime?

    public init(frameDuration: Duration) {
        let frame = Double(frameDuration.wholeNanoseconds)
        capacity = Int((Double(VoiceFloodLimits.floodBurst.wholeNanoseconds) / frame).rounded(.down))
        nanosecondsPerToken = frame / Double(VoiceFloodLimits.floodRateFactor)
        tokens = Double(capacity)
    }

    /// True when a frame arriving at `arrival` is within the limit.
    public mutating func admit(at arrival: MediaTime) -> Bool {
        if let last, arrival > last {
            tokens = min(
                Double(capacity), tokens + Double(arrival.nanoseconds - last.nanoseconds) / nanosecondsPerToken)
        }
        if last == nil || arrival > last! { last = arrival }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
