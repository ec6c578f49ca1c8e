import Identity
import Net
import Relay
import Session
import Wire

/// Many clients in pairs, each pair with a relayed session, sending as fast as their sessions let
/// them: the relay's CPU time per forwarded message, read from its event-loop thread's clock.
final class RelayLoad {
    /// About 100 bytes of ciphertext on the relay: a 64-byte line, sealed and framed.
    static let text = String(repeating: "x", count: 64)

    let relay: LoopbackRelay
    let senders: [RoundTripper]
    private let relayCPU: ThreadCPUClock

    private init(relay: LoopbackRelay, senders: [RoundTripper], relayCPU: ThreadCPUClock) {
        self.relay = relay
        self.senders = senders
        self.relayCPU = relayCPU
    }

    static func open(pairs: Int) async throws -> RelayLoad {
        let relay = try await LoopbackRelay.start()
        var senders: [RoundTripper] = []
        for i in 0..<pairs {
            let receiver = LocalIdentity.generate(nickname: "r\(i)")
            let sender = try SessionCredentials(identity: LocalIdentity.generate(nickname: "s\(i)"))
            _ = try await relay.client(try SessionCredentials(identity: receiver))
            let client = try await relay.client(sender)
            let connection = try await client.open(to: receiver.peerID)
            await Cleanup.shared.register { await connection.close() }
            senders.append(RoundTripper(connection))
        }
        return RelayLoad(relay: relay, senders: senders, relayCPU: try await relay.cpuClock())
    }

    struct Sample {
        var forwarded: Int
        var bytes: Int
        var relayCPUNanoseconds: Int
        var processCPUNanoseconds: Int
        var wallNanoseconds: Int
    }

    /// Every pair sends `perPair` messages, `window` at a time (sent without waiting, then all
    /// their acknowledgements awaited), all pairs at once.
    func run(perPair: Int, window: Int) async throws -> Sample {
        let before = try await relay.server.snapshot().counters
        let cpu0 = relayCPU.nanoseconds
        let process0 = ThreadCPUClock.process.nanoseconds
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in senders {
                group.addTask { try await sender.pipeline(Self.text, count: perPair, window: window) }
            }
            try await group.waitForAll()
        }
        let wall = ContinuousClock.now - start
        let cpu1 = relayCPU.nanoseconds
        let process1 = ThreadCPUClock.process.nanoseconds
        let after = try await relay.server.snapshot().counters
        return Sample(
            forwarded: after.messagesForwarded - before.messagesForwarded,
            bytes: after.bytesForwarded - before.bytesForwarded,
            relayCPUNanoseconds: cpu1 - cpu0, processCPUNanoseconds: process1 - process0,
            wallNanoseconds: Int(wall.components.seconds) * 1_000_000_000
                + Int(wall.components.attoseconds / 1_000_000_000))
    }
}

extension RoundTripper {
    /// Sends `count` messages, `window` at a time without waiting, and after each window waits
    /// until every one of them is reported delivered.
    func pipeline(_ text: String, count: Int, window: Int) async throws {
        var sent = 0
        while sent < count {
            let batch = min(window, count - sent)
            var last: MessageID = 0
            for _ in 0..<batch { last = connection.sendNow(text) }
            // Acknowledgements come back in order: the last one's delivery ends the window.
            try await awaitDelivered(last)
            sent += batch
        }
    }
}
