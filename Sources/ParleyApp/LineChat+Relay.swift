import Foundation
import Identity
import Net
import Session
import Wire

/// The chat client's side of a relay: the relay's peers in `/peers`, `/msg` to a peer known
/// only through the relay, and sessions peers open to us through it. A relayed session is an
/// ordinary `PeerConnection`; only its address reads "relay HOST:PORT".
extension LineChat {
    func useRelay(
        _ client: RelayClient, sessionConfig: SessionConfig, path: SessionPath, headStart: Duration,
        reconnect: @escaping @Sendable () async throws -> RelayClient
    ) {
        relay = client
        relayReconnect = reconnect
        relaySessionConfig = sessionConfig
        relayPath = path
        relayHeadStart = headStart
        Task {
            let reason = await client.closed()
            self.relayEnded(client, reason: reason)
        }
        Task { await self.refreshRelayPeers(announce: true) }
    }

    func stopRelay() async {
        relayReconnect = nil
        guard let client = relay else { return }
        relay = nil
        await client.close()
    }

    var relayLabel: String { "relay \(relay?.address ?? "?")" }

    private func relayEnded(_ client: RelayClient, reason: CloseReason) {
        guard relay === client else { return }
        relay = nil
        relayPeers.removeAll()
        output.line("! relay \(client.address) lost: \(reason); reconnecting")
        Task { await self.reconnectRelay(address: client.address) }
    }

    /// Tries the relay again with exponential backoff and jitter until it answers or the chat
    /// quits. Direct sessions carry on meanwhile.
    private func reconnectRelay(address: String) async {
        var backoff = RelayBackoff()
        while let reconnect = relayReconnect, relay == nil {
            try? await Task.sleep(for: backoff.next())
            guard relayReconnect != nil, relay == nil else { return }
            if let client = try? await reconnect() {
                guard relayReconnect != nil, relay == nil else {
                    await client.close()
                    return
                }
                useRelay(
                    client, sessionConfig: relaySessionConfig, path: relayPath, headStart: relayHeadStart,
                    reconnect: reconnect)
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
        relayPeers = fresh
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
            for (id, nickname) in self.relayPeers.sorted(by: { $0.value < $1.value }) where !connected.contains(id) {
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
                let connection = try await client.open(to: target, config: self.relaySessionConfig)
                self.attach(connection, isOutgoing: true, dialed: target, address: label)
            } catch {
                self.dialFailed(target, reason: "cannot reach \(nickname) via the relay: \(error)")
            }
        }
    }
}
