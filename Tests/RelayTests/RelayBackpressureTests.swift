import Foundation
import Net
import Session
import Testing
import Wire

/// A relayed session whose owner does not take its events stops its relay link from being read
/// (`InboundLimits`), and once the owner catches up everything arrives, nothing lost.
@Suite(.timeLimit(.minutes(1))) struct RelayBackpressureTests {
    typealias Loopback = RelayLoopbackTests

    @Test func aBehindOwnerPausesItsRelayLinkAndCatchingUpDeliversEverything() async throws {
        // 150 texts of 8 KiB: 1.2 MiB, within the relay's byte burst for one client (2 MiB).
        let count = 150
        let text = String(repeating: "r", count: Limits.maxTextBytes)
        let (server, port, task) = try await Loopback.startRelay()
        let inbox = Loopback.Inbox()
        let bob = try await Loopback.client(People.bob, port: port, inbox: inbox)
        let alice = try await Loopback.client(People.alice, port: port)
        let toBob = try await alice.open(to: People.bob.peerID)
        let atBob = try #require(await inbox.first())
        _ = try await atBob.established()
        let delivered = Task {
            var seen = 0
            for await event in toBob.events {
                if case .delivered = event { seen += 1 }
                if seen == count { break }
            }
            return seen
        }
        for _ in 0..<count { toBob.sendNow(text) }

        let deadline = ContinuousClock.now + .seconds(20)
        while atBob.inboundStats.pauses == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(atBob.inboundStats.pauses == 1)
        // The link stops at the next read: at most one batch of reads (4 of 64 KiB: 32 texts)
        // beyond the watermark.
        var most = 0
        let watchEnd = ContinuousClock.now + .milliseconds(500)
        while ContinuousClock.now < watchEnd {
            most = max(most, atBob.inboundStats.waiting)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(most >= InboundLimits.highWatermark && most <= InboundLimits.highWatermark + 40, "\(most) waited")

        var texts = 0
        for await event in atBob.events {
            if case .message(let message) = event {
                #expect(message.text == text)
                texts += 1
                if texts == count { break }
            }
        }
        #expect(texts == count)
        #expect(await delivered.value == count)
        await toBob.close()
        await alice.close()
        await bob.close()
        await server.shutdown()
        try await task.value
    }
}
