import ChatModel
import Identity
import Net
import RunSupport
import Session

/// The relay integration of `parley chat`: connects to a relay (`--relay` at start, or
/// `/relay HOST:PORT`), hands its client to the chat core with a way to reconnect, and carries
/// out `/relay` and `/path`. Sessions peers open through the relay and mail it hands over go
/// to the chat core. Relays announced on the LAN are shown, and used on request
/// (`--relay lan`, `/relay lan`; see `LANRelayWatch`).
public struct RelayFeature: RelayCommands {
    let credentials: SessionCredentials
    let sessionConfig: SessionConfig
    /// The relay network joined (`--relay-network`).
    let network: String
    /// The relay given with `--relay`, pinned with `--relay-fingerprint` if given.
    let configured: RelayTarget?
    /// Relays announced on the LAN.
    public var lan = LANRelayWatch()
    /// With `--relay lan --relay-fingerprint`: the only announced relay to use.
    var lanPin: ExpectedPeer? = nil

    public init(
        credentials: SessionCredentials, sessionConfig: SessionConfig, network: String, configured: RelayTarget?,
        lan: LANRelayWatch = LANRelayWatch(), lanPin: ExpectedPeer? = nil
    ) {
        self.credentials = credentials
        self.sessionConfig = sessionConfig
        self.network = network
        self.configured = configured
        self.lan = lan
        self.lanPin = lanPin
    }

    /// Where and how to reach a relay typed as HOST:PORT: the configured one keeps its pin.
    func target(_ endpoint: Endpoint) -> RelayTarget {
        if let configured, configured.host == endpoint.host, configured.port == endpoint.port { return configured }
        return RelayTarget(host: endpoint.host, port: endpoint.port, network: Array(network.utf8), expected: nil)
    }

    /// Connects and registers; throws `Failure` with the reason when the relay cannot be used.
    public func start(_ target: RelayTarget, chat: ChatController) async throws {
        let connect: @Sendable () async throws -> RelayClient = { [credentials, sessionConfig] in
            try await target.connect(
                credentials: credentials, sessionConfig: sessionConfig,
                onSession: { connection, _ in chat.tasks.spawn { await chat.attach(connection) } },
                onMail: { id, sealed in chat.tasks.spawn { await chat.receivedMail(id: id, sealed: sealed) } },
                watchPresence: true)
        }
        let client = try await connect()
        await chat.useRelay(client, credentials: credentials, sessionConfig: sessionConfig, reconnect: connect)
    }

    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async {
        switch command {
        case .relay(.show):
            await showRelay(in: conversation, chat: chat)
        case .relay(.off):
            await lan.setMode(.notify)
            await chat.stopRelay()
            await chat.show(.notice("relay off: sessions only go direct", in: conversation))
        case .relay(.connect(let text)):
            guard let endpoint = Endpoint(argument: text) else {
                await chat.show(
                    .error("/relay: '\(LineOutput.sanitize(text))' is not HOST:PORT or lan", in: conversation))
                return
            }
            await lan.setMode(.quiet)
            await chat.stopRelay()
            await chat.show(.notice("connecting to the relay \(endpoint)", in: conversation))
            do {
                try await start(target(endpoint), chat: chat)
            } catch {
                await chat.show(.error("cannot use the relay \(endpoint): \(error)", in: conversation))
            }
        case .relay(.lan):
            await chat.stopRelay()
            await useLAN(chat: chat, in: conversation)
        case .path(let nickname, let choice):
            await chat.choosePath(nickname, choice, in: conversation)
        default:
            break
        }
    }

    func announcedRelays(inUse: PeerID?) async -> [String] {
        await lan.peersListing(inUse: inUse, now: .now())
    }

    func stop() async {
        await lan.setMode(.quiet)
    }

    /// `/relay`: the relay in use; without one, the relays announced on the LAN.
    private func showRelay(in conversation: ConversationID, chat: ChatController) async {
        let inUse = await chat.hasRelay
        if !inUse, case .use(let pinned) = await lan.mode {
            let which = pinned == nil ? "one" : "the one --relay-fingerprint names"
            await chat.show(.notice("no relay yet: waiting for \(which) announced on the LAN", in: conversation))
        } else {
            await chat.showRelay(network: network, in: conversation)
        }
        guard !inUse else { return }
        for line in await lan.listing() { await chat.show(.notice(line, in: conversation)) }
    }
}

// MARK: A relay announced on the LAN

extension RelayFeature {
    /// `--relay lan`, `/relay lan`: uses the relay announced on the LAN (`LANRelay.choose`),
    /// waiting for one if none is heard yet; when it is lost, the chat's reconnecting takes the
    /// relay announced then (the same while it is announced).
    public func useLAN(chat: ChatController, in conversation: ConversationID = .room) async {
        let generation = await lan.setMode(.use(pinned: lanPin))
        do {
            try await lan.ensureWatching(chat: chat)
        } catch {
            await chat.show(.error("/relay lan: \(error)", in: conversation))
            await lan.setMode(.notify)
            return
        }
        chat.tasks.spawn {
            // A relay on the LAN answers the discovery's query within about 100 ms: say that we
            // wait only when none did.
            if await lan.waitForCandidate(generation: generation, timeout: .seconds(1)) == nil,
                await lan.isCurrent(generation)
            {
                let which = lanPin == nil ? "a relay" : "the relay --relay-fingerprint names"
                await chat.show(.notice("waiting for \(which) to be announced on the LAN", in: conversation))
            }
            await connectLAN(generation: generation, chat: chat)
        }
    }

    /// Connects to the relay to use as soon as one is announced; after a failure (shown once),
    /// tries again with backoff, the announced relay of that moment.
    private func connectLAN(generation: Int, chat: ChatController) async {
        var backoff = RelayBackoff()
        while let relay = await lan.waitForCandidate(generation: generation, timeout: nil) {
            await chat.show(
                .notice("connecting to the relay \(LANRelayWatch.describe(relay)), announced on the LAN", in: .room))
            do {
                let client = try await connectAnnounced(relay, chat: chat)
                guard await lan.isCurrent(generation),
                    await chat.adoptRelay(
                        client, credentials: credentials, sessionConfig: sessionConfig,
                        reconnect: reconnectLAN(generation: generation, chat: chat))
                else {
                    await client.close()
                    return
                }
                await lan.used(relay.peerID)
                return
            } catch {
                await lan.failed(relay.peerID)
                await lan.showOnce("\(error)", chat: chat)
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    /// The chat's way back to a lost LAN relay: the relay announced now, waited for a while.
    private func reconnectLAN(generation: Int, chat: ChatController) -> @Sendable () async throws -> RelayClient {
        { [lan] in
            guard let relay = await lan.waitForCandidate(generation: generation, timeout: .seconds(10)) else {
                throw Failure(message: "no relay announced on the LAN", code: .unreachable)
            }
            do {
                let client = try await connectAnnounced(relay, chat: chat)
                await lan.used(relay.peerID)
                return client
            } catch {
                await lan.failed(relay.peerID)
                await lan.showOnce("\(error)", chat: chat)
                throw error
            }
        }
    }

    private func connectAnnounced(_ relay: DiscoveredRelay, chat: ChatController) async throws -> RelayClient {
        try await LANRelay.connect(
            relay, network: Array(network.utf8), credentials: credentials, sessionConfig: sessionConfig,
            onSession: { connection, _ in chat.tasks.spawn { await chat.attach(connection) } },
            onMail: { id, sealed in chat.tasks.spawn { await chat.receivedMail(id: id, sealed: sealed) } },
            watchPresence: true)
    }
}
