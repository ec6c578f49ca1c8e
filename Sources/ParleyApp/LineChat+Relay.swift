import Foundation
import Identity
import Net
import Session
import Wire

/// The chat client's side of a relay: the relay's peers in `/peers`, `/msg` to a peer known
/// only through the relay, and sessions peers open to us through it. A relayed session is an
/// ordinary `PeerConnection`; only its address reads "relay HOST:PORT".
struct RelayChatState {
    var client: RelayClient?
    /// The relay's peers in our network, by ID, as last listed.
    var peers: [PeerID: String] = [:]
    /// Every peer the relay listed since the chat started: `/msg` reaches those gone offline
    /// with a sealed message.
    var known: [PeerID: String] = [:]
    var sessionConfig = SessionConfig()
    var path = SessionPath.auto
    var headStart = Duration.milliseconds(250)
    var reconnect: (@Sendable () async throws -> RelayClient)?
    var credentials: SessionCredentials?
    /// Offline messages already shown, by sender and message ID (the relay may hand one over
    /// again when an acknowledgement to it was lost).
    var seen: Set<OfflineKey> = []
    /// Our offline messages awaiting the recipient's sealed acknowledgement: ID → number shown.
    var pendingOffline: [MessageID: (number: Int, nickname: String)] = [:]
    /// Mail handed over right after registering, before `useRelay` took the client.
    var earlyMail: [(id: UInt64, sealed: [UInt8])] = []

    struct OfflineKey: Hashable {
        let sender: PeerID
        let id: MessageID
    }
}

extension LineChat {
    var relay: RelayClient? {
        get { relayState.client }
        set { relayState.client = newValue }
    }
    /// The peers `/msg` may name through the relay: listed now or earlier.
    var relayPeers: [PeerID: String] { relayState.known }
    var relayPath: SessionPath { relayState.path }

    func useRelay(
        _ client: RelayClient, credentials: SessionCredentials, sessionConfig: SessionConfig, path: SessionPath,
        headStart: Duration, reconnect: @escaping @Sendable () async throws -> RelayClient
    ) {
        relay = client
        relayState.reconnect = reconnect
        relayState.credentials = credentials
        relayState.sessionConfig = sessionConfig
        relayState.path = path
        relayState.headStart = headStart
        let early = relayState.earlyMail
        relayState.earlyMail.removeAll()
        Task {
            for mail in early { await self.receivedMail(id: mail.id, sealed: mail.sealed) }
        }
        Task {
            let reason = await client.closed()
            self.relayEnded(client, reason: reason)
        }
        Task { await self.refreshRelayPeers(announce: true) }
    }

    func stopRelay() async {
        relayState.reconnect = nil
        guard let client = relay else { return }
        relay = nil
        await client.close()
    }

    var relayLabel: String { "relay \(relay?.address ?? "?")" }

    private func relayEnded(_ client: RelayClient, reason: CloseReason) {
        guard relay === client else { return }
        relay = nil
        relayState.peers.removeAll()
        output.line("! relay \(client.address) lost: \(reason); reconnecting")
        Task { await self.reconnectRelay(address: client.address) }
    }

    /// Tries the relay again with exponential backoff and jitter until it answers or the chat
    /// quits. Direct sessions carry on meanwhile.
    private func reconnectRelay(address: String) async {
        var backoff = RelayBackoff()
        while let reconnect = relayState.reconnect, relay == nil {
            try? await Task.sleep(for: backoff.next())
            guard relayState.reconnect != nil, relay == nil else { return }
            if let client = try? await reconnect() {
                guard relayState.reconnect != nil, relay == nil, let credentials = relayState.credentials else {
                    await client.close()
                    return
                }
                useRelay(
                    client, credentials: credentials, sessionConfig: relayState.sessionConfig, path: relayPath,
                    headStart: relayState.headStart, reconnect: reconnect)
                output.line("* relay \(address) is back")
                return
            }
        }
    }

    func refreshRelayPeers(announce: Bool = false) async {
        guard let client = relay else { return }
        guard let peers = try? await client.peers() else { return }
        var fresh: [PeerID: String] = [:]
        for entry in peers { if let id = PeerID(bytes: entry.peerID) { fresh[id] = entry.nickname } }
        relayState.peers = fresh
        relayState.known.merge(fresh) { _, new in new }
        if announce {
            output.line(
                "* relay \(client.address) (\(client.relay.fingerprint)): \(fresh.count) peer(s) in your network")
        }
    }

    /// `/peers`, third part: peers on the relay without a session (fetched afresh).
    func listRelayPeers(excluding connected: Set<PeerID>) {
        guard relay != nil else { return }
        Task {
            await self.refreshRelayPeers()
            for (id, nickname) in self.relayState.peers.sorted(by: { $0.value < $1.value })
            where !connected.contains(id) {
                self.output.line("* \(LineOutput.sanitize(nickname)) \(id.fingerprint) via \(self.relayLabel)")
            }
        }
    }

    /// Opens a session to a discovered peer by the path chosen: direct, through the relay, or
    /// (auto) direct first with the relay beside it after the head start.
    func dial(
        _ peer: PeerID, config: SessionConfig, direct: @escaping @Sendable () async throws -> PeerConnection
    ) async throws -> PeerConnection {
        guard let client = relay, relayPath != .direct else { return try await direct() }
        let relayHeadStart = relayState.headStart
        let relayed: @Sendable () async throws -> PeerConnection = { try await client.open(to: peer, config: config) }
        if relayPath == .relay { return try await relayed() }
        return try await PathSelection.race(directHeadStart: relayHeadStart, direct: direct, relay: relayed).connection
    }

    /// A session a peer opened to us through the relay.
    func attachRelayed(_ connection: PeerConnection) {
        attach(connection, address: relayLabel)
    }

    /// `/msg` to a peer reachable only through the relay.
    func dialThroughRelay(_ target: PeerID, number: Int, text: String) {
        guard let client = relay else { return }
        let alreadyDialing = dialing[target] != nil
        dialing[target, default: []].append((number, text))
        guard !alreadyDialing else { return }
        let nickname = LineOutput.sanitize(relayPeers[target] ?? target.short)
        output.line("* connecting to \(nickname) \(target.fingerprint) via \(relayLabel)")
        let label = relayLabel
        Task {
            do {
                let connection = try await client.open(to: target, config: self.relayState.sessionConfig)
                self.attach(connection, isOutgoing: true, dialed: target, address: label)
            } catch RelayClientError.refused(.peerUnavailable) {
                await self.leaveOffline(for: target, nickname: nickname)
            } catch {
                self.dialFailed(target, reason: "cannot reach \(nickname) via the relay: \(error)")
            }
        }
    }
}

// MARK: Offline messages

extension LineChat {
    /// `/msg` to a relay peer that is offline: each queued line is sealed to it and left on the
    /// relay; `* #N left on the relay for NICK` now, `* #N delivered to NICK (offline)` once its
    /// sealed acknowledgement comes back.
    func leaveOffline(for target: PeerID, nickname: String) async {
        guard let queued = dialing.removeValue(forKey: target) else { return }
        guard let client = relay, let credentials = relayState.credentials else {
            return dialFailed(target, reason: "the relay is gone")
        }
        for item in queued {
            let id = MessageID.random(in: 1...MessageID.max)
            let frame = Frame.text(id: id, sentAt: WallClock.millisecondsNow(), text: item.text)
            do {
                try await client.sendOffline(frame, to: target, credentials: credentials)
                relayState.pendingOffline[id] = (item.number, nickname)
                output.line("* #\(item.number) left on the relay for \(nickname), who is offline")
            } catch {
                failures += 1
                output.line(
                    "! #\(item.number) not sent: \(nickname) is offline and the relay did not keep it: \(error)")
            }
        }
    }

    /// A sealed message the relay handed over: shown once, acknowledged to the relay, and, for a
    /// text, acknowledged end to end with a sealed ack back to its sender.
    func receivedMail(id mail: UInt64, sealed: [UInt8]) async {
        guard let client = relay, let credentials = relayState.credentials else {
            relayState.earlyMail.append((mail, sealed))
            return
        }
        guard let (sender, frame) = try? OfflineSeal.open(sealed, with: credentials.identity) else {
            output.line("! an offline message on the relay could not be opened; dropped")
            client.acknowledgeMail(mail)
            return
        }
        switch frame {
        case .text(let id, let sentAt, let text):
            let key = RelayChatState.OfflineKey(sender: sender.peerID, id: id)
            if relayState.seen.insert(key).inserted {
                let date = Date(timeIntervalSince1970: Double(sentAt) / 1000)
                output.message(from: sender.nickname, text: text + " (sent while you were offline)", at: date)
            }
            client.acknowledgeMail(mail)
            try? await client.sendOffline(.ack(id: id), to: sender.peerID, credentials: credentials)
        case .ack(let id):
            client.acknowledgeMail(mail)
            if let pending = relayState.pendingOffline.removeValue(forKey: id) {
                output.line("* #\(pending.number) delivered to \(pending.nickname) (offline)")
            }
        default:
            client.acknowledgeMail(mail)
        }
    }
}
