import ChatModel
import Foundation
import Identity
import Net
import Session
import Store

/// The peer table as the screen and the commands see it: connected, discovered and known peers.
extension ChatController {
    /// A peer's nickname: from its session, discovery, or the store.
    func nickname(of peer: PeerID) -> String {
        if let live = sessions.values.first(where: { $0.peer?.peerID == peer })?.peer { return live.nickname }
        return discovered[peer]?.nickname ?? known[peer]?.nickname ?? relayState.known[peer]
            ?? String(peer.description.prefix(12))
    }

    /// Sends the whole peer list to the screen: connected peers first, then discovered and
    /// those on the relay, then known ones that are away; each group by nickname. Opens their
    /// windows with their history.
    func publishPeers() {
        let connected = connectedPeers
        var ids = Set(known.keys).union(discovered.keys).union(relayState.peers.keys).union(connected)
        ids.remove(me)
        func rank(_ id: PeerID) -> Int {
            connected.contains(id) ? 0 : (discovered[id] != nil || relayState.peers[id] != nil) ? 1 : 2
        }
        let rows = ids.sorted {
            (rank($0), nickname(of: $0), $0.description) < (rank($1), nickname(of: $1), $1.description)
        }.map { id in
            let path: PeerRow.Path
            if let key = readySession(with: id), let entry = sessions[key] {
                path = entry.path
            } else if discovered[id] != nil || relayState.peers[id] != nil {
                path = .online
            } else {
                path = .offline
            }
            return PeerRow(
                id: id.description, nickname: nickname(of: id), shortFingerprint: id.fingerprint.short,
                verified: known[id]?.verified ?? false, path: path,
                roundTripMilliseconds: roundTrips[id].map { Double($0.attoseconds) / 1e15 }, inCall: id == callPeer,
                away: path.isConnected ? presence.awayMessage(of: id) : nil)
        }
        show(ChatOutput([.peers(rows)]))
        for row in rows where !historyShown.contains(.peer(row.id)) {
            let id = ConversationID.peer(row.id)
            historyShown.insert(id)
            tasks.spawn { await self.showRecentHistory(of: id) }
        }
    }

    /// The call feature says who the call in progress is with (nil: none); the rows follow.
    func setCallPeer(_ peer: PeerID?) {
        guard peer != callPeer else { return }
        callPeer = peer
        publishPeers()
    }

    /// Puts a conversation's recent stored messages before those on screen.
    func showRecentHistory(of conversation: ConversationID) async {
        historyShown.insert(conversation)
        guard oldestShown[conversation] == nil else { return }
        let limit = options.recentHistory
        do {
            let messages = try await store.perform { try $0.messages(in: conversation.stored, limit: limit) }
            guard let first = messages.first, oldestShown[conversation] == nil else { return }
            oldestShown[conversation] = first.id
            show(ChatOutput([.history(messages.map(Self.screenMessage), in: conversation)]))
        } catch {
            show(.error("cannot read the history: \(error)", in: conversation))
        }
    }

    enum ResolveProblem: Error {
        case unknown(String)
        case ambiguous(String, Int)

        var text: String {
            switch self {
            case .unknown(let name): "no peer called \(LineOutput.sanitize(name)); /peers lists them"
            case .ambiguous(let name, let count):
                "\(count) peers are called \(LineOutput.sanitize(name)); name one by its fingerprint instead"
            }
        }
    }

    /// A nickname, or the start of a fingerprint (at least its first group), among the
    /// connected, discovered and known peers. A connected peer wins over a known one of the
    /// same name.
    func resolve(_ name: String) -> Result<PeerID, ResolveProblem> {
        var candidates: [[PeerID: String]] = [[:], [:], [:]]
        for entry in sessions.values {
            if let peer = entry.peer, entry.ready { candidates[0][peer.peerID] = peer.nickname }
        }
        for peer in discovered.values { candidates[1][peer.peerID] = peer.nickname }
        for (id, nickname) in relayState.known where candidates[1][id] == nil { candidates[1][id] = nickname }
        for peer in known.values { candidates[2][peer.peerID] = peer.nickname }
        let folded = Self.fold(name)
        for group in candidates {
            let matches = Set(group.filter { Self.fold($0.value) == folded }.map(\.key))
            if matches.count == 1 { return .success(matches.first!) }
            if matches.count > 1 { return .failure(.ambiguous(name, matches.count)) }
        }
        let typed = name.uppercased().filter { $0 != "-" }
        if typed.count >= Fingerprint.groupLength {
            let all = Set(candidates.flatMap(\.keys)).filter { $0.fingerprint.characters.hasPrefix(typed) }
            if all.count == 1 { return .success(all.first!) }
            if all.count > 1 { return .failure(.ambiguous(name, all.count)) }
        }
        return .failure(.unknown(name))
    }

    /// `/peers`: connected peers with address (or relay) and round trip, then discovered ones,
    /// those on the relay, and known ones; last, the relays announced on the LAN, the one in
    /// use marked.
    func listPeers(in conversation: ConversationID) async {
        // One line per peer: the session its messages go on.
        let live = sessions.compactMap { key, e in
            e.ready ? e.peer.flatMap { readySession(with: $0.peerID) == key ? (e, $0) : nil } : nil
        }
        if live.isEmpty { show(.notice("no peers connected", in: conversation)) }
        let connected = Set(live.map(\.1.peerID))
        let now = Instant.now()
        for peer in discovered.values.sorted(by: { $0.nickname < $1.nickname }) where !connected.contains(peer.peerID) {
            show(
                .notice(
                    "\(describe(peer)) online, discovered at \(peer.endpointText) seen \((now - peer.lastSeen).agoText) ago",
                    in: conversation
                ))
        }
        await listRelayPeers(excluding: connected, in: conversation)
        for (entry, peer) in live.sorted(by: { $0.1.nickname < $1.1.nickname }) {
            let rtt = await entry.link.roundTrip().map(\.millisecondsText) ?? "-"
            // The state word first (online or away), as everywhere else; then the path.
            var state = "online"
            if let away = presence.awayMessage(of: peer.peerID) {
                state = away.isEmpty ? "away" : "away (" + LineOutput.sanitize(away) + ")"
            }
            let mark = known[peer.peerID]?.verified == true ? " verified" : ""
            // The path: a relayed session's address already reads "relay HOST:PORT".
            let path = entry.link.path == .relay ? entry.address : "direct \(entry.address)"
            show(
                .notice(
                    "\(LineOutput.sanitize(peer.nickname)) \(peer.fingerprint) \(state), \(path) rtt \(rtt)\(mark)",
                    in: conversation))
        }
        let offline = known.values.filter {
            !connected.contains($0.peerID) && discovered[$0.peerID] == nil && relayState.peers[$0.peerID] == nil
                && $0.peerID != me
        }
        for peer in offline.sorted(by: { $0.nickname < $1.nickname }) {
            show(
                .notice(
                    "\(LineOutput.sanitize(peer.nickname)) \(peer.peerID.fingerprint) offline\(peer.verified ? " verified" : "")",
                    in: conversation))
        }
        if let relay = options.features.relay {
            for line in await relay.announcedRelays(inUse: relayState.client?.relay.peerID) {
                show(.notice(line, in: conversation))
            }
        }
    }

    func describe(_ peer: DiscoveredPeer) -> String {
        "\(LineOutput.sanitize(peer.nickname)) \(peer.fingerprint)"
    }
}
