import Session
import Testing
import Wire

@testable import Net

/// Over real sockets: a session whose owner does not take its events stops reading its
/// connection at the high watermark (the rest waits in the kernel and slows the sender), and
/// once the owner catches up everything arrives, in order, nothing lost.
@Suite("Inbound backpressure on loopback")
struct InboundBackpressureTests {
    @Test func aBehindOwnerStopsTheReadingAndCatchingUpDeliversEverything() async throws {
        let count = 300
        // 8 KiB texts: 300 of them (2.4 MiB) fit in loopback's socket buffers, so the sender
        // writes them all while the receiver holds back.
        let text = String(repeating: "b", count: Limits.maxTextBytes)
        let config = SessionConfig(peerTimeout: .seconds(60))
        let server = try await TestServer.start(config: config)
        defer { Task { await server.stop() } }
        try await within(60) {
            let (alice, _) = try await connect(to: server.port, config: config)
            let bob = try await server.nextSession()
            _ = try await alice.established()
            _ = try await bob.established()
            let delivered = Task {
                var seen = 0
                for await event in alice.events {
                    if case .delivered = event { seen += 1 }
                    if seen == count { break }
                }
                return seen
            }
            for _ in 0..<count { alice.sendNow(text) }

            // Bob takes nothing: his session stops reading once 64 events wait.
            let deadline = ContinuousClock.now + .seconds(20)
            while bob.inboundStats.pauses == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(bob.inboundStats.pauses == 1)
            // Over the next half second (the sender has long written everything), what waits
            // stays within the watermark plus the rest of one read (64 KiB: 8 texts).
            let bound = InboundLimits.highWatermark + 8
            var most = 0
            let watchEnd = ContinuousClock.now + .milliseconds(500)
            while ContinuousClock.now < watchEnd {
                most = max(most, bob.inboundStats.waiting)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(most >= InboundLimits.highWatermark && most <= bound, "\(most) events waited")

            // Bob catches up: all 300, in order, and Alice hears every acknowledgement.
            var texts = 0
            for await event in bob.events {
                if case .message(let message) = event {
                    #expect(message.text == text)
                    texts += 1
                    if texts == count { break }
                }
            }
            #expect(texts == count)
            #expect(await delivered.value == count)
            #expect(bob.inboundStats.pauses >= 1 && bob.inboundStats.waiting <= InboundLimits.lowWatermark)
            await alice.close()
        }
    }
}
