import TestSupport
import Foundation
import Identity
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Net
import Session
import Testing
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// A load test, bounded in time (about 30 s) and count (one flooder, three chatting pairs): a
/// real `parley relay` process; three pairs of real clients chat through it at a steady pace,
/// each message's round trip measured; one client floods the relay as fast as it can, far past
/// its token bucket, in alternate rounds. The relay must keep the flood to the flooder: the
/// pairs' p99 round trip with the flood stays within 20 % (and 2 ms) of the p99 without it.
///
/// Made to be stable on a shared, noisy 2-core machine: the relay runs in its own process and
/// the pairs on event loops of their own, both at real-time priority (`Priority`), so that the
/// machine's other load does not decide the tails; the flooder and its sink run at ordinary
/// priority, as other machines would. Rounds alternate, so slower and faster moments fall on
/// both sides alike; the p99 of all samples of each side is compared (each round's is printed).
/// The real-time threads take about a third of one core for the test's 30 s; none of them spins.
@Suite(
    "Relay load: a flooder beside chatting pairs (slow, relay process, real-time priority, root)",
    .enabled(if: Priority.unavailableReason == nil, "skipped: \(Priority.unavailableReason ?? "")"),
    .timeLimit(.minutes(6)))
struct FloodIsolationTests {
    static let pairs = 3
    static let rounds = 6
    /// Sets of rounds tried before the test fails (see the test).
    static let attempts = 3
    static let phase = Duration.milliseconds(1500)
    /// Room added to the 20 % (see the test): about a scheduler slice.
    static let slack = Duration.milliseconds(2)
    static let lab = "lab"
    /// 1 KiB a message: the flood is held by the byte bucket (about 1000 messages a second and a
    /// burst of about 2000), which keeps the relay's share of the CPU, at real-time priority,
    /// modest beside the tests running at the same time, while a relay that takes a whole read
    /// at once (up to 256 KiB) still stalls the others for milliseconds.
    static let floodPayload = [UInt8](repeating: 0x46, count: 1024)
    /// What one flood message costs the flooder's buckets (the relay counts a data message's
    /// payload and 24 bytes), as messages a second and in a burst.
    static let floodCost = floodPayload.count + 24
    static let floodRate = min(RelayLimits.clientMessageRate, RelayLimits.clientByteRate / floodCost)
    static let floodBurst = min(RelayLimits.clientMessageBurst, RelayLimits.clientByteBurst / floodCost)

    /// What the pairs are doing, so that each sample lands in the right bucket.
    enum Phase: Equatable {
        case settling
        case measuring(round: Int, flood: Bool)
    }

    struct Sample {
        let round: Int
        let flood: Bool
        let roundTrip: Duration
    }

    @Test func aFlooderDoesNotSlowTheOtherClients() async throws {
        try await LoadGate.exclusive { try await self.aFlooderDoesNotSlowTheOtherClientsAlone() }
    }

    /// The test itself, run while holding the load gate.
    func aFlooderDoesNotSlowTheOtherClientsAlone() async throws {
        let relay = try await RelayProcess.start()
        defer { relay.kill() }
        try #require(Priority.realtime(process: relay.process.processIdentifier), "real-time priority refused")
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        for loop in loops.makeIterator() {
            #expect(try await loop.submit { Priority.realtimeThisThread(true) }.get())
        }
        let port = relay.port

        // The sink reads and discards what the flooder sends it over their circuit. A small
        // send buffer (no autotuning) keeps what waits in the kernel when a round's flood stops
        // small, so it drains within seconds at the relay's rate.
        let sinkIdentity = LocalIdentity.generate(nickname: "sink")
        let sink = try RawClient(port: port, identity: sinkIdentity)
        await sink.register(network: Self.lab)
        let flooder = try RawClient(
            port: port, identity: LocalIdentity.generate(nickname: "flooder"), sendBuffer: 32 * 1024)
        await flooder.register(network: Self.lab)
        try #require(sink.received.contains(.registered) && flooder.received.contains(.registered))
        flooder.send(.open(circuit: 1, peer: sinkIdentity.peerID.bytes))
        let sinkThread = SinkThread(sink)
        // Each flood message reaches the sink as one link message of this size.
        let forwarded =
            LengthPrefix.headerLength + RelayCodec.encode(.data(circuit: 1, payload: Self.floodPayload)).count + 16
        // At most 2 s of the relay's rate in flight (like a socket buffer of 2 MB): twice the
        // bucket's rate keeps the bucket in debt, and a round's flood drains in 2 s.
        let floodThread = FloodThread(flooder, payload: Self.floodPayload, window: 2 * Self.floodRate) {
            sinkThread.bytes / forwarded
        }
        defer {
            floodThread.stop()
            sinkThread.stop()
        }

        // The pairs: each sender opens a relayed session to its receiver.
        var clients: [RelayClient] = []
        var sessions: [PeerConnection] = []
        // Each receiver's owner takes its events (a session whose owner does not stops reading
        // at `InboundLimits.highWatermark`, and with it the receiver's relay link).
        var drains: [Task<Void, Never>] = []
        defer { for drain in drains { drain.cancel() } }
        for index in 0..<Self.pairs {
            let inbox = RelayLoopbackTests.Inbox()
            let receiverIdentity = LocalIdentity.generate(nickname: "receiver\(index)")
            let receiver = try await Self.client(receiverIdentity, port: port, group: loops, inbox: inbox)
            let sender = try await Self.client(
                LocalIdentity.generate(nickname: "sender\(index)"), port: port, group: loops)
            sessions.append(try await sender.open(to: receiverIdentity.peerID))
            let incoming = try #require(await inbox.first())
            drains.append(Task { for await _ in incoming.events {} })
            clients += [receiver, sender]
        }

        let phase = NIOLockedValueBox(Phase.settling)
        let samples = NIOLockedValueBox<[Sample]>([])
        let stop = NIOLockedValueBox(false)
        let chatters = sessions.map { session in
            Task { await Self.chat(on: session, phase: phase, samples: samples, stop: stop) }
        }
        try await Task.sleep(for: .seconds(1))  // warm up: first sessions, first buffers

        let before = try LoadSupport.metrics(port: relay.metricsPort)
        var shaping: [(written: Int, took: Duration)] = []
        // A test run shares the machine with the other suites, whose bursts land in either kind
        // of phase: up to three attempts of interleaved rounds, and one within 20 % passes. A
        // relay that lets a flooder hold up the others fails every attempt (threefold without
        // its turns).
        var report = ""
        var isolated = false
        for attempt in 0..<Self.attempts where !isolated {
            samples.withLockedValue { $0 = [] }
            for round in 0..<Self.rounds {
                phase.withLockedValue { $0 = .measuring(round: round, flood: false) }
                try await Task.sleep(for: Self.phase)
                phase.withLockedValue { $0 = .settling }
                let floodStart = (ContinuousClock.now, floodThread.sent.withLockedValue { $0 })
                floodThread.flooding.withLockedValue { $0 = true }
                try await Task.sleep(for: .milliseconds(100))
                phase.withLockedValue { $0 = .measuring(round: round, flood: true) }
                try await Task.sleep(for: Self.phase)
                phase.withLockedValue { $0 = .settling }
                floodThread.flooding.withLockedValue { $0 = false }
                // What the flooder wrote drains at its rate: the next quiet phase starts once the
                // sink has had all of it.
                let written = try await floodThread.idle()
                try await sinkThread.waitFor(bytes: written * forwarded, within: .seconds(20))
                shaping.append((written - floodStart.1, ContinuousClock.now - floodStart.0))
            }
            let all = samples.withLockedValue { $0 }
            func p99s(flood: Bool) -> [Duration] {
                (0..<Self.rounds).map { round in
                    all.filter { $0.round == round && $0.flood == flood }.map(\.roundTrip).percentile(99)
                }
            }
            let quiet = p99s(flood: false)
            let flooded = p99s(flood: true)
            let (quietMedian, floodedMedian) = (quiet.percentile(50), flooded.percentile(50))
            let counts = (all.filter { !$0.flood }.count, all.filter { $0.flood }.count)
            let pooled = (
                all.filter { !$0.flood }.map(\.roundTrip).percentile(99),
                all.filter { $0.flood }.map(\.roundTrip).percentile(99)
            )
            let sent = floodThread.sent.withLockedValue { $0 }
            report =
                "p99 by round without the flood \(quiet.map(\.millisecondsText)), with it \(flooded.map(\.millisecondsText)); "
                + "medians \(quietMedian.millisecondsText) and \(floodedMedian.millisecondsText); "
                + "all samples' p99 \(pooled.0.millisecondsText) and \(pooled.1.millisecondsText); "
                + "samples \(counts.0) and \(counts.1); the flooder wrote \(sent) messages"
            print("FloodIsolationTests: \(report)")
            #expect(counts.0 >= 100 * Self.rounds && counts.1 >= 100 * Self.rounds, "\(report)")
            // Within 20 %, with 2 ms of room: the pairs' p99 is a few milliseconds, where one
            // scheduler slice on a loaded 2-core machine is already 20 %. Either the p99 of all
            // samples or the median of the rounds' p99s may show it (a burst of other load lands
            // in one round and moves the pooled tail, not the median). A relay without turns puts
            // the flood's reads before the pairs' and fails both threefold.
            func within(_ flooded: Duration, _ quiet: Duration) -> Bool {
                flooded <= quiet * 1.2 + Self.slack
            }
            isolated = within(pooled.1, pooled.0) || within(floodedMedian, quietMedian)
            if !isolated { print("FloodIsolationTests: attempt \(attempt + 1) over 20 %") }
        }
        let after = try LoadSupport.metrics(port: relay.metricsPort)
        stop.withLockedValue { $0 = true }
        for chatter in chatters { await chatter.value }

        #expect(isolated, "\(report)")
        let sent = floodThread.sent.withLockedValue { $0 }

        // The flood did happen, and the relay held the flooder to its bucket: it paused reading
        // from it (counted as throttled), and forwarded its messages no faster than its rate
        // after a burst at most.
        let throttled = LoadSupport.sample("parley_relay_drops_total{reason=\"throttled\"}", in: after) ?? 0
        let throttledBefore = LoadSupport.sample("parley_relay_drops_total{reason=\"throttled\"}", in: before) ?? 0
        #expect(throttled - throttledBefore >= sent / 4, "\(after)")
        for (written, took) in shaping {
            #expect(written > Self.floodBurst + Self.floodRate / 2, "a flood past the bucket: \(written) messages")
            let atRate = Double(written - Self.floodBurst) / Double(Self.floodRate)
            #expect(took.seconds >= 0.95 * atRate, "\(written) messages forwarded in \(took)")
        }

        for session in sessions { await session.close() }
        for client in clients { await client.close() }
        for loop in loops.makeIterator() { _ = try? await loop.submit { Priority.realtimeThisThread(false) }.get() }
        try await loops.shutdownGracefully()
        await relay.stop()
    }

    static func client(
        _ identity: LocalIdentity, port: Int, group: EventLoopGroup, inbox: RelayLoopbackTests.Inbox? = nil
    ) async throws -> RelayClient {
        try await RelayClient.connect(
            host: "127.0.0.1", port: port, credentials: People.credentials(identity), network: Array(lab.utf8),
            group: group
        ) { connection, _ in inbox?.add(connection) }
    }

    /// Sends a message, waits for its acknowledgement, records the round trip the session
    /// measured, pauses 10 ms, and again, until stopped. A sample counts only when its phase did
    /// not change meanwhile.
    static func chat(
        on session: PeerConnection, phase: NIOLockedValueBox<Phase>, samples: NIOLockedValueBox<[Sample]>,
        stop: NIOLockedValueBox<Bool>
    ) async {
        var events = session.events.makeAsyncIterator()
        var n = 0
        while !stop.withLockedValue({ $0 }) {
            let at = phase.withLockedValue { $0 }
            n += 1
            guard let id = try? await session.send("steady \(n)") else { return }
            var roundTrip: Duration?
            while let event = await events.next() {
                if case .delivered(id, let rtt) = event {
                    roundTrip = rtt
                    break
                }
                if case .closed = event { return }
            }
            if let roundTrip, case .measuring(let round, let flood) = at, phase.withLockedValue({ $0 }) == at {
                samples.withLockedValue { $0.append(Sample(round: round, flood: flood, roundTrip: roundTrip)) }
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Floods on a thread of its own: data messages on circuit 1 as fast as the socket takes
/// them, while `flooding` is set and fewer than `window` of them are on their way (`arrived`
/// says how many reached the sink); a link ping every few seconds keeps it from idling out.
final class FloodThread: @unchecked Sendable {
    let flooding = NIOLockedValueBox(false)
    let sent = NIOLockedValueBox(0)
    private let busy = NIOLockedValueBox(false)
    private let stopped = NIOLockedValueBox(false)
    private let done = DispatchSemaphore(value: 0)

    init(_ client: RawClient, payload: [UInt8], window: Int, arrived: @escaping @Sendable () -> Int) {
        let handed = HandedOver(client)
        Thread { [self] in
            let client = handed.value
            var lastPing = ContinuousClock.now
            while !stopped.withLockedValue({ $0 }) && !client.closed {
                if ContinuousClock.now - lastPing > .seconds(5) {
                    client.send(.ping(token: 1))
                    lastPing = ContinuousClock.now
                }
                guard flooding.withLockedValue({ $0 }), sent.withLockedValue({ $0 }) - arrived() < window else {
                    busy.withLockedValue { $0 = false }
                    usleep(1000)
                    continue
                }
                busy.withLockedValue { $0 = true }
                for _ in 0..<16 { client.send(.data(circuit: 1, payload: payload)) }
                sent.withLockedValue { $0 += 16 }
            }
            done.signal()
        }.start()
    }

    /// Waits until the thread has stopped writing (its last write may block a while); returns
    /// how many messages it wrote in all.
    func idle() async throws -> Int {
        while busy.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        return sent.withLockedValue { $0 }
    }

    func stop() {
        stopped.withLockedValue { $0 = true }
        flooding.withLockedValue { $0 = false }
        done.wait()
    }
}

/// Reads and discards on a thread of its own, counting the bytes; pings now and then.
final class SinkThread: @unchecked Sendable {
    private let received = NIOLockedValueBox(0)
    var bytes: Int { received.withLockedValue { $0 } }
    private let stopped = NIOLockedValueBox(false)
    private let done = DispatchSemaphore(value: 0)

    init(_ client: RawClient) {
        let handed = HandedOver(client)
        Thread { [self] in
            let client = handed.value
            var buffer = [UInt8](repeating: 0, count: 65536)
            var lastPing = ContinuousClock.now
            while !stopped.withLockedValue({ $0 }) {
                var entry = pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)
                if poll(&entry, 1, 50) > 0 {
                    let n = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    received.withLockedValue { $0 += n }
                }
                if ContinuousClock.now - lastPing > .seconds(5) {
                    client.send(.ping(token: 2))
                    lastPing = ContinuousClock.now
                }
            }
            done.signal()
        }.start()
    }

    /// Returns once at least `bytes` arrived in all; throws after `limit`.
    func waitFor(bytes: Int, within limit: Duration) async throws {
        let end = ContinuousClock.now + limit
        while received.withLockedValue({ $0 }) < bytes {
            guard ContinuousClock.now < end else {
                throw RelayProcessError("the flood did not drain within \(limit)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func stop() {
        stopped.withLockedValue { $0 = true }
        done.wait()
    }
}

/// A value handed to another thread for good: the giver no longer touches it.
struct HandedOver<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
