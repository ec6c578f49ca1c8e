import Identity
import RunSupport
import Session
import Testing
import Voice
import Wire

@testable import Calls
@testable import ChatClient
@testable import ParleyApp

/// The encoder following the peer's reports: loss hint and in-band FEC (`CodecAdaptation`).
@Suite struct CodecAdaptationTests {
    static func report(received: UInt32, lost: UInt32) -> CallReport {
        CallReport(
            framesReceived: received, framesLost: lost, framesLate: 0, jitterMicroseconds: 0,
            bufferDepthMilliseconds: 40)
    }

    typealias Settings = CodecAdaptation.Settings

    @Test func aCleanLinkSpendsNothingOnRedundancy() {
        var adaptation = CodecAdaptation(floor: 0, fecAllowed: true)
        #expect(adaptation.settings == Settings(lossPercent: 0, fec: false))
        #expect(adaptation.update(with: Self.report(received: 50, lost: 0)) == Settings(lossPercent: 0, fec: false))
        #expect(adaptation.update(with: Self.report(received: 100, lost: 0)) == Settings(lossPercent: 0, fec: false))
    }

    @Test func theUsersFloorHoldsAndTurnsFECOn() {
        var adaptation = CodecAdaptation(floor: 10, fecAllowed: true)
        #expect(adaptation.settings == Settings(lossPercent: 10, fec: true))
        _ = adaptation.update(with: Self.report(received: 50, lost: 0))
        #expect(adaptation.update(with: Self.report(received: 100, lost: 0)) == Settings(lossPercent: 10, fec: true))
    }

    @Test func lossTurnsFECOnAtOnceAndACleanLinkTurnsItOffAgain() {
        var adaptation = CodecAdaptation(floor: 0, fecAllowed: true)
        _ = adaptation.update(with: Self.report(received: 50, lost: 0))
        // 20 of 100 frames lost in the interval: 20 %.
        #expect(adaptation.update(with: Self.report(received: 130, lost: 20)) == Settings(lossPercent: 20, fec: true))
        // A clean interval after: 20 % × 0.8 = 16 %, then 12.8 % → 13 %.
        #expect(adaptation.update(with: Self.report(received: 180, lost: 20)) == Settings(lossPercent: 16, fec: true))
        #expect(adaptation.update(with: Self.report(received: 230, lost: 20)) == Settings(lossPercent: 13, fec: true))
        // Under half a percent the estimate counts as none: 20 % × 0.8^n < 0.5 % from n = 17.
        var settings = adaptation.settings
        var received: UInt32 = 230
        for _ in 3..<17 {
            received += 50
            settings = adaptation.update(with: Self.report(received: received, lost: 20))
        }
        #expect(settings == Settings(lossPercent: 1, fec: true), "0.56 % rounds up")
        #expect(adaptation.update(with: Self.report(received: received + 50, lost: 20)) == Settings(lossPercent: 0, fec: false))
    }

    @Test func fecStaysOffWhenTheCallDidNotNegotiateIt() {
        var adaptation = CodecAdaptation(floor: 5, fecAllowed: false)
        _ = adaptation.update(with: Self.report(received: 50, lost: 0))
        #expect(adaptation.update(with: Self.report(received: 60, lost: 40)) == Settings(lossPercent: 80, fec: false))
    }

    @Test func countersGoingBackwardsSayNothing() {
        var adaptation = CodecAdaptation(floor: 5, fecAllowed: true)
        _ = adaptation.update(with: Self.report(received: 500, lost: 100))
        #expect(adaptation.update(with: Self.report(received: 10, lost: 0)) == Settings(lossPercent: 5, fec: true))
        #expect(
            adaptation.update(with: Self.report(received: 10, lost: 0)) == Settings(lossPercent: 5, fec: true),
            "no frames in the interval")
    }

    @Test func neverAboveOneHundred() {
        var adaptation = CodecAdaptation(floor: 0, fecAllowed: true)
        _ = adaptation.update(with: Self.report(received: 0, lost: 0))
        #expect(adaptation.update(with: Self.report(received: 0, lost: 50)) == Settings(lossPercent: 100, fec: true))
        #expect(CodecAdaptation(floor: 250, fecAllowed: true).settings.lossPercent == 100)
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
