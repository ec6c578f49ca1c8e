import Identity
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Session
import Wire

/// A registered connection to a relay, usable from any task: lists the peers of the network
/// and opens relayed sessions, whose `PeerConnection`s are the same as direct ones. Sessions
/// peers open to this client arrive through `onSession`.
public final class RelayClient: Sendable {
    public let channel: Channel
    /// The relay's identity, proven in the link's handshake.
    public let relay: PeerInfo
    /// `host:port` as given.
    public let address: String
    private let handler: NIOLoopBound<RelayClientHandler>
    /// With `watchPresence`: the peers of our network that register with the relay or leave it,
    /// as the relay pushes them, in order; finished when the link ends. Without: finished at once.
    public let presence: AsyncStream<RelayPresenceChange>

    /// Presence changes kept for a reader that is behind; past it the oldest are dropped: a
    /// second of pushes at their fastest (4 a second of at most `maxPresenceChanges`).
    public static let presenceBuffer = 4 * RelayLimits.maxPresenceChanges

    private init(
        channel: Channel, relay: PeerInfo, address: String, handler: NIOLoopBound<RelayClientHandler>,
        presence: AsyncStream<RelayPresenceChange>
    ) {
        self.channel = channel
        self.relay = relay
        self.address = address
        self.handler = handler
        self.presence = presence
    }

    /// Connects, runs the link handshake (the relay must prove `linkConfig.expectedPeer` when
    /// set) and registers in `network`. `onSession` receives every session a peer opens to us,
    /// with the peer as the relay named it (the session's handshake must prove that identity).
    /// With `watchPresence` the client asks the relay to push presence changes (`presence`).
    public static func connect(
        host: String, port: Int, credentials: SessionCredentials, network: [UInt8],
        linkConfig: RelayLinkMachine.Config = RelayLinkMachine.Config(), sessionConfig: SessionConfig = SessionConfig(),
        connectTimeout: Duration = .seconds(5), group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void = { connection, _ in
            connection.closeNoWait()
        },
        onMail: @escaping @Sendable (_ id: UInt64, _ sealed: [UInt8]) -> Void = { _, _ in },
        onPost: @escaping @Sendable (_ poster: PeerID, _ sealed: [UInt8]) -> Void = { _, _ in },
        watchPresence: Bool = false
    ) async throws(RelayClientError) -> RelayClient {
        let (presence, continuation) = AsyncStream.makeStream(
            of: RelayPresenceChange.self, bufferingPolicy: .bufferingNewest(presenceBuffer))
        if !watchPresence { continuation.finish() }
        let installed = NIOLockedValueBox<NIOLoopBound<RelayClientHandler>?>(nil)
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RelayClientHandler(
                        credentials: credentials, network: network, linkConfig: linkConfig,
                        sessionConfig: sessionConfig, eventLoop: channel.eventLoop, relayAddress: address,
                        onSession: onSession, onMail: onMail, onPost: onPost,
                        presence: watchPresence ? continuation : nil)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    installed.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            continuation.finish()
            throw .connect(ConnectError(error, host: host, port: port))
        }
        guard let handler = installed.withLockedValue({ $0 }) else {
            throw .connect(.failed("no relay link was installed"))
        }
        let relay: PeerInfo
        do {
            relay = try await channel.eventLoop.flatSubmit { handler.value.registered.futureResult }.get()
        } catch let error as RelayClientError {
            channel.close(promise: nil)
            throw error
        } catch {
            channel.close(promise: nil)
            throw .relayClosed(.connectionLost)
        }
        return RelayClient(channel: channel, relay: relay, address: address, handler: handler, presence: presence)
    }

    /// The peers registered in our network, ourselves excluded.
    public func peers() async throws(RelayClientError) -> [RelayPeerEntry] {
        do {
            return try await channel.eventLoop.flatSubmit { self.handler.value.list() }.get()
        } catch let error as RelayClientError {
            throw error
        } catch {
            throw .relayClosed(.connectionLost)
        }
    }

    /// The static key to seal offline messages to `peer` with, as the relay remembers it from
    /// `peer`'s last registration in our network, checked against `peer`'s own signature.
    public func lookup(_ peer: PeerID) async throws(RelayClientError) -> [UInt8] {
        let answer = try await ask(.lookup(peer: peer.bytes))
        guard case .identity(let id, let staticKey, let payload) = answer, id == peer.bytes,
            let key = OfflineSeal.verifiedRecipientKey(peer: peer, staticKey: staticKey, payload: payload)
        else { throw .refused(.other) }
        return key
    }

    /// Leaves a sealed message on the relay for `peer`; returns once the relay stored it.
    public func store(_ sealed: [UInt8], for peer: PeerID) async throws(RelayClientError) {
        guard case .stored = try await ask(.store(peer: peer.bytes, sealed: sealed)) else { throw .refused(.other) }
    }

    /// Seals `frame` to `peer` (looked up and checked) and leaves it on the relay.
    public func sendOffline(_ frame: Frame, to peer: PeerID, credentials: SessionCredentials) async throws {
        let key = try await lookup(peer)
        try await store(OfflineSeal.seal(frame, from: credentials, to: key), for: peer)
    }

    /// The mail with this ID was received: the relay forgets it.
    public func acknowledgeMail(_ id: UInt64) {
        channel.eventLoop.execute { self.handler.value.acknowledgeMail(id) }
    }

    /// Posts `sealed` (a `RoomSeal`, at most `RelayLimits.maxPostBytes`) to every other member
    /// of the network through the relay's fan-out; returns once it is written to the relay.
    public func post(_ sealed: [UInt8]) async throws(RelayClientError) {
        guard sealed.count <= RelayLimits.maxPostBytes else { throw .refused(.other) }
        do {
            try await channel.eventLoop.flatSubmit { self.handler.value.post(sealed) }.get()
        } catch let error as RelayClientError {
            throw error
        } catch {
            throw .relayClosed(.connectionLost)
        }
    }

    private func ask(_ message: RelayMessage) async throws(RelayClientError) -> RelayMessage {
        do {
            return try await channel.eventLoop.flatSubmit { self.handler.value.request(message) }.get()
        } catch let error as RelayClientError {
            throw error
        } catch {
            throw .relayClosed(.connectionLost)
        }
    }

    /// Opens a relayed session to `peer` and returns it once its handshake has proven `peer`;
    /// throws `.refused(.peerUnavailable)` when the relay has no such peer in our network.
    /// Cancelled, it closes the circuit and ends at once.
    public func open(to peer: PeerID, config: SessionConfig = SessionConfig()) async throws -> PeerConnection {
        let (connection, circuit) = try await channel.eventLoop.flatSubmit {
            self.handler.value.open(to: peer, config: config)
        }.get()
        do {
            _ = try await withTaskCancellationHandler {
                try await connection.established()
            } onCancel: {
                connection.closeNoWait()
            }
            return connection
        } catch {
            let code = try? await channel.eventLoop.submit { self.handler.value.takeCircuitError(circuit) }.get()
            if let code { throw RelayClientError.refused(code) }
            throw error
        }
    }

    /// The link's latest keepalive round trip to the relay.
    public func roundTrip() async -> Duration? {
        try? await channel.eventLoop.submit { self.handler.value.roundTrip }.get()
    }

    /// Completes when the link to the relay ends, with the reason.
    public func closed() async -> CloseReason {
        (try? await channel.eventLoop.flatSubmit { self.handler.value.closed.futureResult }.get()) ?? .connectionLost
    }

    /// Closes the link, once the relayed sessions still open have been closed by their owners
    /// (at most a second); those still open then end.
    public func close() async {
        try? await channel.eventLoop.submit { self.handler.value.close() }.get()
        try? await channel.closeFuture.get()
    }
}
