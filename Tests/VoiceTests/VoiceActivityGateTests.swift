import Foundation
import Testing

@testable import Voice

@Suite struct VoiceActivityGateTests {
    @Test func speechStartsAboveTheStartThresholdAndContinuesAboveTheLowerOne() {
        var gate = VoiceActivityGate(startPercent: 80, continuePercent: 60, floorDecibels: -60)
        let verdicts = [80, 70, 81, 61, 60, 70].map { gate.frame(probabilityPercent: $0, levelDecibels: -20) }
        // At the start threshold: not yet; a pause needs the start threshold; one past it:
        // speech; it continues above 60, ends at 60, and then needs 81 again.
        #expect(verdicts == [false, false, true, true, false, false])
    }

    @Test func framesAtOrBelowTheFloorAreNeverSpeech() {
        var gate = VoiceActivityGate(startPercent: 80, continuePercent: 60, floorDecibels: -60)
        let atFloor = gate.frame(probabilityPercent: 99, levelDecibels: -60)
        // The probability still counts: speech continues on the next loud frame.
        let next = gate.frame(probabilityPercent: 65, levelDecibels: -59)
        #expect(!atFloor)
        #expect(next)
    }

    /// libspeexdsp's `SPEEX_PREPROCESS_SET_VAD` writes "warning: The VAD has been replaced by a
    /// hack…" to standard error, which shifted a full-screen call by a line (issue 13). Setting
    /// up and running the processor with voice activity on writes nothing of the kind to fd 2.
    @Test func speechProcessingWritesNoWarningToStandardError() throws {
        let captured = try StandardErrorCapture.run {
            let processor = try? SpeechProcessor(options: .liveMicrophone)
            var frame = PCMFormat.voice.silentFrame
            for _ in 0..<5 { processor?.process(&frame) }
        }
        #expect(!captured.contains("VAD"), "libspeexdsp wrote: \(captured)")
        #expect(!captured.contains("warning: "), "libspeexdsp wrote: \(captured)")
    }
}

/// Points fd 2 at a pipe while `body` runs, then puts it back and returns what was written.
/// Other tests of the process may write to standard error meanwhile; callers look for
/// specific text.
enum StandardErrorCapture {
    struct Failed: Error {}

    static func run(_ body: () -> Void) throws -> String {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failed() }
        fflush(nil)
        let saved = dup(2)
        guard saved >= 0, dup2(fds[1], 2) >= 0 else { throw Failed() }
        body()
        fflush(nil)
        dup2(saved, 2)
        close(saved)
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        close(fds[0])
        return String(decoding: bytes, as: UTF8.self)
    }
}
