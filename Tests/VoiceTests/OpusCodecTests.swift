import Testing
import Wire

@testable import Voice

@Suite("Opus encoder and decoder (real libopus)")
struct OpusCodecTests {
    @Test func encodesAFrameAndDecodesItBack() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        #expect(encoder.lookahead == 312)  // 6.5 ms at 48 kHz in VoIP mode
        var sizes: [Int] = []
        for frame in SpeechSignal.speechLike(frames: 50) {
            let packet = try encoder.encode(frame)
            sizes.append(packet.count)
            #expect(packet.count >= 1 && packet.count <= VoiceLimits.maxOpusPayload)
            #expect(try decoder.decode(packet).count == 960)
        }
        // About 24 kbit/s: 60 bytes a frame on average, give or take the encoder's choices.
        let average = Double(sizes.reduce(0, +)) / Double(sizes.count)
        #expect(average > 30 && average < 90)
    }

    @Test func wrongFrameLengthIsRefused() throws {
        let encoder = try OpusEncoder()
        #expect(throws: VoiceError.frameLength(got: 959, expected: 960)) {
            try encoder.encode([Int16](repeating: 0, count: 959))
        }
    }

    @Test func concealmentAndFECGiveOneFrame() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        let packets = try SpeechSignal.speechLike(frames: 10).map { try encoder.encode($0) }
        for p in packets.prefix(5) { _ = try decoder.decode(p) }
        #expect(decoder.conceal().count == 960)
        #expect(try decoder.decodeFEC(from: packets[6]).count == 960)
        #expect(try decoder.decode(packets[6]).count == 960)
    }

    @Test func aCorruptPayloadThrowsAndTheDecoderCarriesOn() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        // TOC code 3 (arbitrary frame count) with a frame count byte of 0: invalid.
        #expect(throws: VoiceError.self) { try decoder.decode([0x03, 0x00]) }
        let good = try encoder.encode(SpeechSignal.speechLike(frames: 1)[0])
        #expect(try decoder.decode(good).count == 960)
    }

    @Test func everyApplicationAndRateWorks() throws {
        for application in VoiceConfig.Application.allCases {
            for rate in VoiceConfig.validSampleRates {
                var config = VoiceConfig()
                config.application = application
                config.sampleRate = rate
                let encoder = try OpusEncoder(config: config)
                let decoder = try OpusDecoder(config: config)
                let packet = try encoder.encode([Int16](repeating: 100, count: config.samplesPerFrame))
                #expect(try decoder.decode(packet).count == config.samplesPerFrame)
            }
        }
    }
}
