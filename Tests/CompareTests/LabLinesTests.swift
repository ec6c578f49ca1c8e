import Foundation
import Testing

@testable import Lab

/// The lab protocol's lines: splitting a byte stream, and every command and event as JSON.
@Suite struct LabLinesTests {
    static let text = Array("{\"a\":1}\n{\"b\":2}\r\n\nlast".utf8)

    /// Whatever the chunking, the same lines come out.
    @Test func linesAreTheSameForEveryWayOfSplittingTheStream() throws {
        for cut in 0...Self.text.count {
            var splitter = LineSplitter()
            var lines = try splitter.feed(Self.text[..<cut])
            lines += try splitter.feed(Self.text[cut...])
            #expect(lines == ["{\"a\":1}", "{\"b\":2}", ""], "cut at \(cut)")
            #expect(splitter.finish() == "last")
            #expect(splitter.finish() == nil)
        }
        var bytewise = LineSplitter()
        var lines: [String] = []
        for byte in Self.text { lines += try bytewise.feed([byte]) }
        #expect(lines.count == 3)
    }

    @Test func aLineAtTheLimitPassesAndOneByteMoreFails() throws {
        var splitter = LineSplitter(maxLineBytes: 8)
        #expect(try splitter.feed(Array("12345678\n".utf8)) == ["12345678"])
        #expect(throws: LabFailure.self) { try splitter.feed(Array("123456789\n".utf8)) }
        // After the error the splitter starts afresh.
        #expect(try splitter.feed(Array("ok\n".utf8)) == ["ok"])
    }

    @Test func everyCommandAndEventSurvivesAJSONLine() throws {
        let plan = LabTextPlan(roomRate: 20, directRate: 5, directPeer: "x", duration: 3, messageBytes: 100, drain: 2)
        let commands: [LabCommand] = [
            .listen(host: "127.0.0.1"),
            .connect(path: .direct([LabPeerAddress(peerID: "p", host: "10.77.0.2", port: 4242)]), expectSessions: 2),
            .connect(
                path: .relay(host: "10.77.0.9", port: 7000, relayFingerprint: nil, peers: ["a", "b"]), expectSessions: 2
            ),
            .runText(plan), .counters, .stop,
        ]
        for command in commands {
            let line = LabLines.encode(command)
            #expect(!line.contains("\n"))
            #expect(try LabLines.decode(LabCommand.self, from: line) == command)
        }
        let report = LabTextReport(
            outgoing: [.init(peerID: "a", sent: 3, delivered: 2)], incoming: [.init(peerID: "b", received: 4)],
            roundTrip: LatencyHistogram(nanos: [1, 2, 3, 1_234_567_891]), oneWay: LatencyHistogram(nanos: [4]),
            elapsed: 3.01)
        let events: [LabEvent] = [
            .hello(peerID: "id", version: 1), .listening(host: "::1", port: 1), .sessionsUp(count: 2, seconds: 0.01),
            .textDone(report),
            .counters(
                LabCounters(
                    bytesSent: 1, bytesReceived: 2, openSessions: 3, sessionsEver: 4, connections: 1,
                    cpuMicroseconds: 5)),
            .error(LabFailure(message: "bad\nthing")), .stopped,
        ]
        for event in events {
            let line = LabLines.encode(event)
            #expect(!line.contains("\n"))
            #expect(try LabLines.decode(LabEvent.self, from: line) == event)
        }
    }

    @Test func aLineThatIsNotACommandIsAClearError() {
        #expect(throws: LabFailure.self) { try LabLines.decode(LabCommand.self, from: "{\"launch\":{}}") }
        #expect(throws: LabFailure.self) { try LabLines.decode(LabCommand.self, from: "not json") }
    }

    @Test func labMessagesCarryTheirSendTimeAndHaveThePlannedSize() {
        let now = LabMessage.realtimeNanos()
        let text = LabMessage.text(sentAtNanos: now, size: 100)
        #expect(text.utf8.count == 100)
        #expect(LabMessage.sentAtNanos(of: text) == now)
        #expect(LabMessage.text(sentAtNanos: now, size: 1).utf8.count == LabMessage.minimumSize)
        #expect(LabMessage.sentAtNanos(of: "hello") == nil)
        #expect(LabMessage.sentAtNanos(of: "lab:12x:") == nil)
    }

    @Test func aRunStateCountsOnlyItsOwnMessagesAndEachAcknowledgementOnce() {
        var run = LabRunState()
        run.start()
        // Scheduled at 1,000,000 ns: the round trip counts from there, not from the send.
        run.pending[7] = ("peer", false, 1_000_000)
        run.sent["peer"] = 2
        run.delivered(7, nowNanos: 1_120_000)
        run.delivered(7, nowNanos: 1_120_000)  // again: not counted twice
        run.delivered(8, nowNanos: 5)  // not ours
        run.slot(lateness: .milliseconds(2))
        run.slot(lateness: .milliseconds(11))
        let sentAt = LabMessage.realtimeNanos()
        run.received(text: LabMessage.text(sentAtNanos: sentAt, size: 30), from: "other")
        run.received(text: "not a lab message", from: "other")
        let report = run.report(elapsed: 1)
        #expect(report.outgoing == [.init(peerID: "peer", sent: 2, delivered: 1)])
        #expect(report.incoming == [.init(peerID: "other", received: 1)])
        #expect(report.roundTrip.count == 1 && report.roundTrip.minNanos == 120_000)
        #expect(report.oneWay.count == 1 && report.oneWay.clamped == 0)
        // Over 10 ms behind its slot is late.
        #expect(report.slots == 2 && report.lateSlots == 1)
    }

    @Test func aRunStateCountsWhatWasSentAfterTheFaultApart() {
        var run = LabRunState()
        run.mark()  // before a run: ignored
        run.start()
        #expect(run.sending(to: "a") == false)
        run.pending[1] = ("a", false, 0)
        run.mark()
        #expect(run.sending(to: "a") == true)
        run.pending[2] = ("a", true, 0)
        #expect(run.sending(to: "b") == true)
        run.pending[3] = ("b", true, 0)
        run.delivered(1, nowNanos: 10)
        run.delivered(3, nowNanos: 10)
        // The session to a closed: its last message will never be acknowledged.
        run.sessionClosed("a")
        #expect(run.pending.isEmpty)
        let report = run.report(elapsed: 1)
        #expect(
            report.outgoing == [
                .init(peerID: "a", sent: 2, delivered: 1, sentAfterMark: 1, deliveredAfterMark: 0),
                .init(peerID: "b", sent: 1, delivered: 1, sentAfterMark: 1, deliveredAfterMark: 1),
            ])
    }
}
