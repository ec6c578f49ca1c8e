import Testing
import Wire

@testable import Voice

@Suite("VoiceConfig")
struct VoiceConfigTests {
    @Test func defaultsAreTheDocumentedOnes() throws {
        let c = VoiceConfig()
        #expect(c.sampleRate == 48000 && c.channels == 1 && c.frameDurationTenthsMs == 200)
        #expect(c.application == .voip && c.bitrate == 24000 && c.complexity == 8)
        #expect(c.fec && c.packetLossPercent == 0 && !c.dtx)
        #expect(c.samplesPerFrame == 960)
        #expect(c.frameDuration == .milliseconds(20))
        try c.validate()
        #expect(c.callParams == CallParams())
    }

    static func with(_ change: (inout VoiceConfig) -> Void) -> VoiceConfig {
        var c = VoiceConfig()
        change(&c)
        return c
    }

    /// Every bound: the value at the limit is accepted, one past it refused with a message
    /// naming the field and the allowed range.
    @Test func everyBoundAtTheLimitAndOnePast() throws {
        let valid: [VoiceConfig] = [
            Self.with { $0.sampleRate = 8000 }, Self.with { $0.sampleRate = 12000 },
            Self.with { $0.sampleRate = 16000 },
            Self.with { $0.sampleRate = 24000 }, Self.with { $0.channels = 2 },
            Self.with { $0.frameDurationTenthsMs = 25 }, Self.with { $0.frameDurationTenthsMs = 600 },
            Self.with { $0.bitrate = 500 }, Self.with { $0.bitrate = 512_000 },
            Self.with { $0.complexity = 0 }, Self.with { $0.complexity = 10 },
            Self.with { $0.packetLossPercent = 0 }, Self.with { $0.packetLossPercent = 100 },
            Self.with { $0.application = .audio }, Self.with { $0.application = .restrictedLowDelay },
            Self.with {
                $0.dtx = true; $0.fec = false
            },
        ]
        for config in valid {
            try config.validate()
            _ = try OpusEncoder(config: config)  // libopus agrees
        }
        let invalid: [(VoiceConfig, String)] = [
            (
                Self.with { $0.sampleRate = 44100 },
                "invalid sample rate 44100: must be 8000, 12000, 16000, 24000 or 48000 Hz"
            ),
            (Self.with { $0.channels = 0 }, "invalid channels 0: must be 1 or 2"),
            (Self.with { $0.channels = 3 }, "invalid channels 3: must be 1 or 2"),
            (
                Self.with { $0.frameDurationTenthsMs = 24 },
                "invalid frame duration (tenths of ms) 24: must be 2.5, 5, 10, 20, 40 or 60 ms"
            ),
            (
                Self.with { $0.frameDurationTenthsMs = 601 },
                "invalid frame duration (tenths of ms) 601: must be 2.5, 5, 10, 20, 40 or 60 ms"
            ),
            (Self.with { $0.bitrate = 499 }, "invalid bitrate 499: must be 500 to 512000 bit/s"),
            (Self.with { $0.bitrate = 512_001 }, "invalid bitrate 512001: must be 500 to 512000 bit/s"),
            (Self.with { $0.complexity = -1 }, "invalid complexity -1: must be 0 to 10"),
            (Self.with { $0.complexity = 11 }, "invalid complexity 11: must be 0 to 10"),
            (Self.with { $0.packetLossPercent = -1 }, "invalid packet loss -1: must be 0 to 100 %"),
            (Self.with { $0.packetLossPercent = 101 }, "invalid packet loss 101: must be 0 to 100 %"),
        ]
        for (config, message) in invalid {
            do {
                try config.validate()
                Issue.record("accepted: \(config)")
            } catch {
                #expect(error.description == message)
            }
            #expect(throws: VoiceError.self) { try OpusEncoder(config: config) }
        }
    }

    @Test func negotiatedParametersApplyButLocalSettingsStay() {
        var mine = VoiceConfig()
        mine.complexity = 9
        mine.packetLossPercent = 3
        let applied = mine.applying(CallParams(sampleRate: 16000, bitrate: 16000, fec: false))
        #expect(applied.sampleRate == 16000 && applied.bitrate == 16000 && !applied.fec)
        #expect(applied.complexity == 9 && applied.packetLossPercent == 3)
    }
}
