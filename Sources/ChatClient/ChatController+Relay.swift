import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import Wire

/// What the chat core knows of its relay (`parley chat --relay`, `/relay HOST:PORT`).
struct RelayChatState {
    var client: RelayClient?
    /// The relay's peers in our network, as last listed.
    var peers: [PeerID: String] = [:]
    /// Every peer the relay listed since the chat started: `/msg` reaches those gone offline
    /// with a sealed message.
    var known: [PeerID: String] = [:]
    var sessionConfig = SessionConfig()
    var credentials: SessionCredentials?
    var reconnect: (@Sendable () async throws -> RelayClient)?
    /// The path new sessions take (`--path`, `/path auto|direct|relay`), and per peer (`/path NICK ...`).
    var path = SessionPath.auto
    var choices: [PeerID: SessionPath] = [:]
    var headStart = Duration.milliseconds(250)
    /// Offline messages stored this run, by sender and message ID: mail handed over again is
    /// acknowledged at once (the store would drop the copy too).
    var seen: Set<OfflineKey> = []
    /// Own messages left on the relay for a recipient, awaiting its sealed acknowledgement.
    var leftOnRelay: Set<OfflineKey> = []
    /// Mail handed over right after registering, before `useRelay` took the client.
    var earlyMail: [(id: UInt64, sealed: [UInt8])] = []

    struct OfflineKey: Hashable {
        let peer: PeerID
        let id: MessageID
    }
}

/// The relay in the chat core: relayed sessions both ways, the relay's peers in the peer list,
/// `/msg` to a peer known only through the relay, offline messages sealed on the relay and
/// recorded once, and reconnecting to a lost relay with backoff. A relayed session is an
/// ordinary `PeerConnection` (`path` `.relay`); its address reads "relay HOST:PORT".
extension ChatController {
    var relayLabel: String { "relay \(relayState.client?.address ?? core.relayLost ?? "?")" }

    /// The path new sessions take, and the direct path's head start with `auto`.
    public func configurePaths(_ path: SessionPath, headStart: Duration) {
        relayState.path = path
        relayState.headStart = headStart
        apply(.pathChosen(nil, relayOnly: path == .relay))
    }

    func pathChoice(for peer: PeerID) -> SessionPath {
        relayState.choices[peer] ?? relayState.path
    }

    /// Takes a registered relay client; `reconnect` makes another when it is lost.
    func useRelay(
        _ client: RelayClient, credentials: SessionCredentials, sessionConfig: SessionConfig,
        reconnect: @escaping @Sendable () async throws -> RelayClient
    ) {
        relayState.client = client
        relayState.credentials = credentials
        relayState.sessionConfig = sessionConfig
        relayState.reconnect = reconnect
        let early = relayState.earlyMail
        relayState.earlyMail.removeAll()
        // Registered (back, if it was lost and reconnected: the chat core says so).
        apply(.relayRegistered(address: client.address))
        tasks.spawn {
            for mail in early { await self.receivedMail(id: mail.id, sealed: mail.sealed) }
        }
        tasks.spawn {
            let reason = await client.closed()
            await self.relayEnded(client, reason: reason)
        }
        tasks.spawn { await self.refreshRelayPeers(announce: true) }
        tasks.spawn {
            for await change in client.presence {
                guard !Task.isCancelled else { return }
                await self.relayPresence(change, from: client)
            }
        }
    }

    /// Leaves the relay (quit, `/relay off`, `/relay HOST:PORT`); no reconnecting.
    func stopRelay() async {
        relayState.reconnect = nil
        relayState.peers.removeAll()
        apply(.relayStopped)
        guard let client = relayState.client else { return }
        relayState.client = nil
        await client.close()
        publishPeers()
    }

    private func relayEnded(_ client: RelayClient, reason: CloseReason) {
        guard relayState.client === client else { return }
        relayState.client = nil
        relayState.peers.removeAll()
        // The chat core says so and tries it again with backoff (`.connectRelay`).
        apply(.relayLost(address: client.address, reason: "\(reason)"))
        publishPeers()
    }

    /// One attempt at the lost relay, when the chat core says it is due. Direct sessions carry
    /// on meanwhile.
    func reconnectRelay() async {
        guard let reconnect = relayState.reconnect, relayState.client == nil else { return }
        guard let client = try? await reconnect() else {
            apply(.relayConnectFailed)
            return
        }
        guard relayState.reconnect != nil, relayState.client == nil, let credentials = relayState.credentials else {
            await client.close()
            return
        }
        // A relay announced on the LAN may come back as another relay: the core names the one
        // in use ("relay HOST:PORT is back").
        useRelay(client, credentials: credentials, sessionConfig: relayState.sessionConfig, reconnect: reconnect)
    }

    /// Lists the relay's peers afresh; the chat core hears who registered and who left (and
    /// sends what waits for a peer that registered).
    func refreshRelayPeers(announce: Bool = false) async {
        guard let client = relayState.client, let entries = try? await client.peers(),
            relayState.client === client
        else { return }
        var fresh: [PeerID: String] = [:]
        for entry in entries { if let id = PeerID(bytes: entry.peerID), id != me { fresh[id] = entry.nickname } }
        let before = relayState.peers
        relayState.peers = fresh
        relayState.known.merge(fresh) { _, new in new }
        if announce {
            show(
                .notice(
                    "relay \(client.address) (\(client.relay.fingerprint)): \(fresh.count) peer(s) in your network",
                    in: .room))
        }
        publishPeers()
        for (peer, nickname) in fresh.sorted(by: { $0.key.description < $1.key.description }) where before[peer] == nil
        {
            apply(.named(peer, LineOutput.sanitize(nickname)))
            apply(.relayPresence(peer, online: true))
        }
        for peer in before.keys where fresh[peer] == nil { apply(.relayPresence(peer, online: false)) }
    }

    /// `/peers`, the relay's part: its peers without a session, fetched afresh.
    func listRelayPeers(excluding connected: Set<PeerID>, in conversation: ConversationID) async {
        guard relayState.client != nil else {
            if let lost = core.relayLost { show(.notice(relayLostText(lost), in: conversation)) }
            return
        }
        await refreshRelayPeers()
        for (id, nickname) in relayState.peers.sorted(by: { $0.value < $1.value }) where !connected.contains(id) {
            show(.notice("\(LineOutput.sanitize(nickname)) \(id.fingerprint) online via \(relayLabel)", in: conversation))
        }
    }

    /// Whether a session to `peer` may go through the relay: one is up, the path allows it,
    /// and the peer is one the relay listed or we know.
    func relayReaches(_ peer: PeerID) -> Bool {
        relayState.client != nil && pathChoice(for: peer) != .direct
            && (relayState.known[peer] != nil || known[peer] != nil)
    }

    /// Opens a session to a discovered peer by the path chosen: direct, through the relay, or
    /// (auto) direct first with the relay beside it after the head start.
    func openSession(
        to peer: PeerID, config: SessionConfig, direct: @escaping @Sendable () async throws -> PeerConnection
    ) async throws -> PeerConnection {
        let client = relayState.client
        switch (SessionOpening(pathChoice(for: peer), relayUp: client != nil), client) {
        case (.waitForRelay, _): throw RelayPinnedError()
        case (.relay, let client?): return try await client.open(to: peer, config: config)
        case (.race, let client?):
            let relayed: @Sendable () async throws -> PeerConnection = {
                try await client.open(to: peer, config: config)
            }
            let headStart = relayState.headStart
            return try await PathSelection.race(directHeadStart: headStart, direct: direct, relay: relayed).connection
        default: return try await direct()
        }
    }

    /// Opens a session through the relay to a peer it listed or we know; when the relay says
    /// the peer is offline, what the outbox holds for it is left on the relay, sealed.
    /// True when a session to the peer is opening (now or already); its end is reported.
    @discardableResult
    func dialThroughRelay(_ peer: PeerID) -> Bool {
        guard let client = relayState.client else { return false }
        guard !dialing.contains(peer),
            !sessions.values.contains(where: { $0.peer?.peerID == peer || $0.dialed == peer })
        else { return true }
        dialing.insert(peer)
        let nick = LineOutput.sanitize(relayState.known[peer] ?? nickname(of: peer))
        let label = relayLabel
        // A retry after failed ones (the core's backoff) is quiet: its failures were summarised.
        if core.failedOpens(of: peer) == 0 {
            show(.notice("connecting to \(nick) \(peer.fingerprint) via \(label)", in: .peer(peer.description)))
        }
        let config = relayState.sessionConfig
        tasks.spawn {
            do {
                let connection = try await client.open(to: peer, config: config)
                await self.attach(connection, isOutgoing: true, dialed: peer, address: label)
            } catch RelayClientError.refused(.peerUnavailable) {
                await self.dialEnded(peer)
                await self.leaveOffline(for: peer)
            } catch {
                await self.dialEnded(peer, failure: "cannot reach \(nick) via the relay: \(error)")
            }
        }
        return true
    }
}

// MARK: /relay, /path

extension ChatController {
    /// "relay HOST:PORT lost; reconnecting in 4 s" (or "now", while an attempt runs).
    func relayLostText(_ address: String) -> String {
        guard let due = core.relayReconnectDue else { return "relay \(address) lost; reconnecting now" }
        let wait = due - .now()
        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        return "relay \(address) lost; reconnecting in \(max(1, Int(seconds.rounded(.up)))) s"
    }

    /// `/relay`: the relay in use, or why there is none.
    func showRelay(network: String, in conversation: ConversationID) async {
        guard let client = relayState.client else {
            if let lost = core.relayLost {
                show(.notice(relayLostText(lost), in: conversation))
            } else {
                show(.notice("no relay; /relay HOST:PORT or parley chat --relay HOST:PORT uses one", in: conversation))
            }
            return
        }
        let rtt = await client.roundTrip().map(\.millisecondsText) ?? "-"
        guard relayState.client === client else { return }
        show(
            .notice(
                "relay \(client.address) (\(client.relay.fingerprint)), network \(LineOutput.sanitize(network)): \(relayState.peers.count) peer(s), rtt \(rtt); new sessions: \(describePath(relayState.path))",
                in: conversation))
    }

    /// `/path [NICK] [direct|relay|auto]`: shows or chooses the path of new sessions, for one
    /// peer or (in the room without a name) for all.
    func choosePath(_ nickname: String?, _ choice: UserCommand.PathChoice?, in conversation: ConversationID) {
        let path = choice.flatMap { SessionPath(rawValue: $0.rawValue) }
        if nickname == nil, conversation == .room {
            if let path {
                relayState.path = path
                apply(.pathChosen(nil, relayOnly: path == .relay))
            }
            let verb = path == nil ? "take" : "now take"
            show(.notice("new sessions \(verb) the path \(describePath(relayState.path))", in: conversation))
            if relayState.path == .relay, relayState.client == nil, core.relayLost == nil {
                show(.error("no relay in use: /relay HOST:PORT", in: conversation))
            }
            return
        }
        guard let peer = peer(named: nickname, in: conversation) else { return }
        let nick = LineOutput.sanitize(self.nickname(of: peer))
        if let path {
            relayState.choices[peer] = path
            apply(.pathChosen(peer, relayOnly: path == .relay))  // `relay` stops trying the direct path
            show(
                .notice("sessions with \(nick) take the path \(describePath(path)) from the next one", in: conversation)
            )
            return
        }
        let now: String
        if let key = readySession(with: peer), let entry = sessions[key] {
            now =
                entry.path == .relay ? "connected via \(entry.address)" : "connected directly at \(entry.address)"
        } else {
            now = "not connected"
        }
        show(.notice("\(nick): \(now); path \(describePath(pathChoice(for: peer)))", in: conversation))
    }

    private func describePath(_ path: SessionPath) -> String {
        switch path {
        case .auto: "auto (direct first, the relay after \(relayState.headStart.millisecondsText))"
        case .direct: "direct"
        case .relay: "relay"
        }
    }
}
