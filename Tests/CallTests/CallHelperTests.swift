import Identity
import RunSupport
import Session
import Testing
import Voice
import Wire

@testable import Calls
@testable import ChatClient
@testable import ParleyApp

@Suite struct LossHintTests {
    static func report(received: UInt32, lost: UInt32) -> CallReport {
        CallReport(
            framesReceived: received, framesLost: lost, framesLate: 0, jitterMicroseconds: 0,
            bufferDepthMilliseconds: 40)
    }

    @Test func cleanLinkKeepsTheFloor() {
        var hint = LossHint(floor: 10)
        #expect(hint.update(with: Self.report(received: 50, lost: 0)) == 10)
        #expect(hint.update(with: Self.report(received: 100, lost: 0)) == 10)
    }

    @Test func lossRaisesTheHintAtOnceAndItEasesOff() {
        var hint = LossHint(floor: 0)
        _ = hint.update(with: Self.report(received: 50, lost: 0))
        // 20 of 50 frames lost in the interval: 40 %.
        #expect(hint.update(with: Self.report(received: 80, lost: 20)) == 40)
        // A clean interval after: 40 % × 0.8 = 32 %.
        #expect(hint.update(with: Self.report(received: 130, lost: 20)) == 32)
        #expect(hint.update(with: Self.report(received: 180, lost: 20)) == 26)
    }

    @Test func countersGoingBackwardsSayNothing() {
        var hint = LossHint(floor: 5)
        _ = hint.update(with: Self.report(received: 500, lost: 100))
        #expect(hint.update(with: Self.report(received: 10, lost: 0)) == 5)
        #expect(hint.update(with: Self.report(received: 10, lost: 0)) == 5, "no frames in the interval")
    }

    @Test func neverAboveOneHundred() {
        var hint = LossHint(floor: 0)
        _ = hint.update(with: Self.report(received: 0, lost: 0))
        #expect(hint.update(with: Self.report(received: 0, lost: 50)) == 100)
    }
}

@Suite struct CallCommandTests {
    @Test func peerArgumentForms() {
        #expect(CallTarget("127.0.0.1:7000") == .address(Endpoint(host: "127.0.0.1", port: 7000)))
        #expect(CallTarget("[::1]:7000") == .address(Endpoint(host: "::1", port: 7000)))
        let id = LocalIdentity.generate(nickname: "bob").peerID
        #expect(CallTarget(id.fingerprint.description) == .identity(.fingerprint(id.fingerprint.characters)))
        #expect(CallTarget(id.description) == .identity(.peerID(id)))
        #expect(CallTarget("bob") == .nickname("bob"))
        #expect(CallTarget("bob:x") == .nickname("bob:x"))
    }

    static func summary(_ reason: CallEndReason, active: Bool) -> CallSummary {
        CallSummary(
            peer: LocalIdentity.generate(nickname: "p").peerID, nickname: "p", callID: 1, reason: reason,
            wasActive: active, duration: .seconds(1), stats: CallStats(), params: nil, peerReport: nil, recording: nil)
    }

    @Test func exitStatusOfEachEnd() {
        #expect(ExitStatus.of(Self.summary(.hungUp, active: true)) == .success)
        #expect(ExitStatus.of(Self.summary(.peerHungUp(.normal), active: true)) == .success)
        #expect(ExitStatus.of(Self.summary(.peerDeclined, active: false)).rawValue == 6)
        #expect(ExitStatus.of(Self.summary(.peerBusy, active: false)).rawValue == 7)
        #expect(ExitStatus.of(Self.summary(.noAnswer, active: false)).rawValue == 4)
        #expect(ExitStatus.of(Self.summary(.mediaTimeout, active: true)).rawValue == 8)
        #expect(ExitStatus.of(Self.summary(.connectionLost, active: true)).rawValue == 8)
        #expect(ExitStatus.of(Self.summary(.peerHungUp(.mediaTimeout), active: true)).rawValue == 8)
        #expect(ExitStatus.of(Self.summary(.cancelled, active: false)).rawValue == 130)
    }

    @Test func invalidCodecOptionsAreRefusedWithTheReason() throws {
        for (arguments, words) in [
            (["--bitrate", "400"], "bitrate"), (["--complexity", "11"], "complexity"), (["--frame-ms", "15"], "frame"),
            (["--loss-percent", "101"], "packet loss"),
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try CallCommand.parse(["h:1"] + arguments) }
            do {
                _ = try CallCommand.parse(["h:1"] + arguments)
            } catch {
                #expect(CallCommand.message(for: error).contains(words), "\(CallCommand.message(for: error))")
            }
        }
        let ok = try CallCommand.parse(["h:1", "--bitrate", "16000", "--frame-ms", "2.5", "--no-fec", "--dtx"])
        #expect(ok.codec.config.frameDurationTenthsMs == 25 && !ok.codec.config.fec && ok.codec.config.dtx)
    }

    @Test func listenAndPeerExcludeEachOther() {
        #expect(throws: (any Error).self) { try CallCommand.parse([]) }
        #expect(throws: (any Error).self) { try CallCommand.parse(["h:1", "--listen", ":0"]) }
        #expect(throws: (any Error).self) { try CallCommand.parse(["h:1", "--auto-answer"]) }
        #expect(throws: (any Error).self) {
            try CallCommand.parse(["--listen", ":0", "--auto-answer", "--auto-decline"])
        }
        #expect(throws: (any Error).self) { try CallCommand.parse(["h:1", "--input", "a", "--input-device", "b"]) }
        #expect(throws: Never.self) { try CallCommand.parse(["--listen", ":0", "--auto-answer", "--max-calls", "2"]) }
    }

    @Test func recordingsOfLaterCallsAreNumbered() {
        #expect(CallEngine.numbered("/tmp/call.opus", 2) == "/tmp/call-2.opus")
        #expect(CallEngine.numbered("call", 3) == "call-3")
    }
}
