import Net
import Noise
import Session
import Wire

/// What a benchmark's setup opened, closed again by its teardown (package-benchmark's teardown
/// hook does not receive the setup's result, so the setup registers its own cleanup here).
actor Cleanup {
    static let shared = Cleanup()
    private var actions: [@Sendable () async -> Void] = []

    func register(_ action: @escaping @Sendable () async -> Void) {
        actions.append(action)
    }

    /// Runs the registered actions, newest first, and forgets them.
    func run() async {
        let pending = actions.reversed()
        actions = []
        for action in pending { await action() }
    }
}

/// Two transport states from a completed XX handshake, one per side.
final class TransportPair {
    var initiator: TransportState
    var responder: TransportState
    /// A 160-byte frame, about what a 20 ms Opus voice frame plus framing comes to.
    let plaintext = [UInt8](repeating: 0xA5, count: 160)

    init() throws {
        (initiator, responder) = try noiseHandshakeInMemory()
    }
}

/// Two established `SessionMachine`s that pass a text message and its acknowledgement by hand:
/// the per-message protocol and crypto cost without sockets, event loops or tasks.
final class MachinePair {
    private var initiator: SessionMachine
    private var responder: SessionMachine
    private var nextID: MessageID = 1

    init() throws {
        (initiator, responder) = try sessionHandshakeInMemory()
    }

    /// Text from initiator to responder, acknowledgement back, `.delivered` checked.
    func textAndAck(_ text: String) throws {
        let id = nextID
        nextID += 1
        let now = Instant.now()
        let message = sent(try initiator.sendText(text, id: id, sentAt: 0, now: now))
        let ack = sent(responder.receive(message, now: now))
        let reported = initiator.receive(ack, now: now)
        guard reported.contains(where: { if case .deliver(.delivered(id, _)) = $0 { true } else { false } }) else {
            throw BenchmarkFailure("no .delivered(\(id)) after the acknowledgement: \(reported)")
        }
    }
}

/// A `SessionServer` on 127.0.0.1, port chosen by the kernel, in this process. Every session it
/// accepts is drained the way an application would: a task reads its events until it closes.
struct LoopbackServer: Sendable {
    let server: SessionServer
    let port: Int

    static func start(credentials: SessionCredentials = Fixtures.bobCredentials) async throws -> LoopbackServer {
        let server = try await SessionServer.bind(
            host: Fixtures.host, port: 0, credentials: credentials
        ) { connection in
            Task { for await _ in connection.events {} }
        }
        guard let port = server.localAddress?.port else {
            await server.close()
            throw BenchmarkFailure("the server has no local port")
        }
        await Cleanup.shared.register { await server.close() }
        return LoopbackServer(server: server, port: port)
    }
}

/// One established session over loopback TCP, client side held here, server side drained.
final class EstablishedSession {
    let connection: PeerConnection
    private var events: AsyncStream<SessionEvent>.Iterator

    private init(connection: PeerConnection) {
        self.connection = connection
        events = connection.events.makeAsyncIterator()
    }

    static func open() async throws -> EstablishedSession {
        let server = try await LoopbackServer.start()
        let connection = try await SessionConnector.connect(
            host: Fixtures.host, port: server.port, credentials: Fixtures.aliceCredentials)
        await Cleanup.shared.register { await connection.close() }
        _ = try await connection.established()
        return EstablishedSession(connection: connection)
    }

    /// Sends `text` and returns when the peer's acknowledgement of it has been reported on the
    /// events stream as `.delivered`. Other events (keepalive round trips) are skipped.
    func roundTrip(_ text: String) async throws {
        let id = try await connection.send(text)
        while let event = await events.next() {
            switch event {
            case .delivered(let delivered, _) where delivered == id: return
            case .closed(let reason): throw BenchmarkFailure("session closed: \(reason)")
            default: continue
            }
        }
        throw BenchmarkFailure("events ended before .delivered(\(id))")
    }
}

extension PlainTCPPingPong {
    static func start() async throws -> PlainTCPPingPong {
        let pingPong = try PlainTCPPingPong()
        await Cleanup.shared.register { pingPong.shutdown() }
        return pingPong
    }
}
