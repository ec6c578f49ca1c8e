/// How voice activity is decided: libspeexdsp's speech probability with stricter thresholds
/// than its own, and a level below which nothing counts as speech.
public enum VoiceActivity {
    /// Speech probability (percent) at which a pause turns into speech.
    public static let startPercent: Int32 = 80
    /// Speech probability (percent) that keeps speech going (the hangover over short gaps).
    public static let continuePercent: Int32 = 60
    /// Frames quieter than this (RMS, dBFS) never count as speech.
    public static let floorDecibels: Double = -60
}

/// The speech/pause decision for one frame after another, from the preprocessor's speech
/// probability and the frame's level. libspeexdsp's own detector makes the same decision, but
/// switching it on (`SPEEX_PREPROCESS_SET_VAD`) writes a warning to standard error, which lands
/// in the middle of a full-screen call; so parley reads the probability and decides here.
public struct VoiceActivityGate: Sendable, Equatable {
    public let startPercent: Int32
    public let continuePercent: Int32
    public let floorDecibels: Double
    /// The last frame was speech: the lower `continuePercent` keeps it going.
    public private(set) var inSpeech = false

    public init(
        startPercent: Int32 = VoiceActivity.startPercent, continuePercent: Int32 = VoiceActivity.continuePercent,
        floorDecibels: Double = VoiceActivity.floorDecibels
    ) {
        self.startPercent = startPercent
        self.continuePercent = continuePercent
        self.floorDecibels = floorDecibels
    }

    /// One frame: its speech probability (percent, 0…100) and RMS level (dBFS). True for speech.
    public mutating func frame(probabilityPercent: Int32, levelDecibels: Double) -> Bool {
        let threshold = inSpeech ? continuePercent : startPercent
        inSpeech = probabilityPercent > threshold
        return inSpeech && levelDecibels > floorDecibels
    }
}
