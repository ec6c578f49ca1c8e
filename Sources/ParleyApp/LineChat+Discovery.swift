import Foundation
import Identity
import Net
import Session
import Wire

/// The chat client's side of LAN discovery: peers appearing and leaving, `/peers` for the
/// discovered ones, and `/msg`, which opens a session to a discovered peer on demand. The
/// announcement only says where to connect; the session's handshake must prove the announced
/// peer ID, or the session is refused.
extension LineChat {
    /// Starts reporting discovery events; `connector` opens a session to a discovered peer.
    func useDiscovery(
        _ service: DiscoveryService, connector: @escaping @Sendable (DiscoveredPeer) async throws -> PeerConnection
    ) {
        discovery = service
        self.connector = connector
        Task {
            for await event in service.events { self.handle(event) }
        }
    }

    func stopDiscovery() async {
        guard let service = discovery else { return }
        discovery = nil
        await service.stop()
    }

    private func handle(_ event: DiscoveryEvent) {
        switch event {
        case .added(let peer):
            discovered[peer.peerID] = peer
            output.line("* discovered: \(describe(peer)) at \(peer.endpointText)")
        case .updated(let peer):
            let before = discovered[peer.peerID]
            discovered[peer.peerID] = peer
            guard before?.nickname != peer.nickname || before?.endpointText != peer.endpointText else { return }
            output.line("* updated: \(describe(peer)) at \(peer.endpointText)")
        case .removed(let peer, let why):
            discovered[peer.peerID] = nil
            output.line("* gone: \(describe(peer)) (\(why.word))")
        }
    }

    private func describe(_ peer: DiscoveredPeer) -> String {
        "\(LineOutput.sanitize(peer.nickname)) \(peer.fingerprint)"
    }

    /// `/peers`, second part: discovered peers without a session.
    func listDiscovered(excluding connected: Set<PeerID>) {
        let now = Instant.now()
        for peer in discovered.values.sorted(by: { $0.nickname < $1.nickname }) where !connected.contains(peer.peerID) {
            output.line("* \(describe(peer)) \(peer.endpointText) seen \((now - peer.lastSeen).agoText) ago")
        }
    }

    /// A session was established: messages typed with `/msg` for this peer go out now.
    func sessionEstablished(with peer: PeerInfo, key: ObjectIdentifier) {
        if let service = discovery { Task { await service.confirm(peer.peerID) } }
        guard let queued = dialing.removeValue(forKey: peer.peerID) else { return }
        for item in queued { send(item.text, number: item.number, to: [key]) }
    }

    /// The session opened for `/msg` failed before its handshake completed.
    func dialFailed(_ id: PeerID, reason: String) {
        guard let queued = dialing.removeValue(forKey: id) else { return }
        for item in queued {
            failures += 1
            output.line("! #\(item.number) not sent: \(reason)")
        }
    }

    // MARK: /msg

    /// `/msg NICK TEXT`: to one peer, connected or discovered.
    func directMessage(_ line: String, relayRefreshed: Bool = false) {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count == 3 else {
            output.line("! usage: /msg NICK TEXT")
            return
        }
        let name = String(parts[1])
        let text = String(parts[2])
        guard text.utf8.count <= Limits.maxTextBytes else {
            output.line("! not sent: \(text.utf8.count) bytes; the limit is \(Limits.maxTextBytes)")
            return
        }
        let target: PeerID
        switch resolve(name) {
        case .success(let id): target = id
        case .failure(let problem):
            // A relay's list may be older than the peer: ask it again before giving up.
            if relay != nil, !relayRefreshed, case .unknown = problem {
                Task {
                    await self.refreshRelayPeers()
                    self.directMessage(line, relayRefreshed: true)
                }
                return
            }
            output.line("! \(problem.text)")
            return
        }
        let number = nextNumber
        nextNumber += 1
        if let key = entries.first(where: { $0.value.peer?.peerID == target })?.key {
            send(text, number: number, to: [key])
            return
        }
        guard let peer = discovered[target], let connector else {
            if relay != nil, relayPath != .direct, relayPeers[target] != nil {
                return dialThroughRelay(target, number: number, text: text)
            }
            failures += 1
            output.line("! #\(number) not sent: \(LineOutput.sanitize(name)) is not connected")
            return
        }
        let alreadyDialing = dialing[target] != nil
        dialing[target, default: []].append((number, text))
        guard !alreadyDialing else { return }
        output.line("* connecting to \(describe(peer)) at \(peer.endpointText)")
        Task {
            do {
                let connection = try await connector(peer)
                self.attach(connection, isOutgoing: true, dialed: target)
            } catch {
                self.dialFailed(target, reason: "cannot reach \(LineOutput.sanitize(peer.nickname)): \(error)")
            }
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
    /// connected and the discovered peers.
    private func resolve(_ name: String) -> Result<PeerID, ResolveProblem> {
        var known: [PeerID: String] = [:]
        for entry in entries.values { if let peer = entry.peer { known[peer.peerID] = peer.nickname } }
        for peer in discovered.values where known[peer.peerID] == nil { known[peer.peerID] = peer.nickname }
        for (id, nickname) in relayPeers where known[id] == nil { known[id] = nickname }

        var matches = known.filter { $0.value == name }.map(\.key)
        if matches.isEmpty {
            let typed = name.uppercased().filter { $0 != "-" }
            if typed.count >= Fingerprint.groupLength {
                matches = known.keys.filter { $0.fingerprint.characters.hasPrefix(typed) }
            }
        }
        switch matches.count {
        case 0: return .failure(.unknown(name))
        case 1: return .success(matches[0])
        default: return .failure(.ambiguous(name, matches.count))
        }
    }
}
