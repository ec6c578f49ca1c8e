import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import Session
import Store

/// The chat client's side of LAN discovery: peers appearing and leaving, and sessions opened on
/// demand (a message for a discovered peer, or an outbox waiting for one that reappears). The
/// announcement only says where to connect; the session's handshake must prove the announced
/// peer ID, or the session is refused.
extension ChatController {
    /// Starts reporting discovery events; `dialer` opens direct sessions to discovered peers.
    public func useDiscovery(_ service: DiscoveryService, dialer: DirectDialer) {
        useDiscovery(events: service.events, service: service, dialer: dialer)
    }

    /// The same for discovery events from any source (tests feed their own, without a
    /// service). A session to a discovered peer takes the path chosen for it (`openSession`); a
    /// relayed session with a discovered peer tries to move to the direct path
    /// (ChatController+DirectPath).
    func useDiscovery(events: AsyncStream<DiscoveryEvent>, service: DiscoveryService?, dialer: DirectDialer) {
        discovery = service
        connector = { peer in
            let config = try dialer.config(for: peer)
            return try await self.openSession(to: peer.peerID, config: config) { try await dialer.connect(to: peer) }
        }
        directPath.connector = { try await dialer.connect(to: $0) }
        apply(.directPathEnabled(true))
        tasks.spawn {
            // A stream's backlog (a flood of announcements) is not worked through once the
            // chat has ended: the run's cancellation stops the loop.
            for await event in events {
                guard !Task.isCancelled else { return }
                await self.handle(event)
            }
        }
    }

    func stopDiscovery() async {
        guard let service = discovery else { return }
        discovery = nil
        await service.stop()
    }

    private func handle(_ event: DiscoveryEvent) async {
        // An ignored peer's announcements are not shown, listed or dialed.
        switch event {
        case .added(let peer), .updated(let peer), .removed(let peer, _):
            if isIgnored(peer.peerID) { return }
        }
        switch event {
        case .added(let peer):
            discovered[peer.peerID] = peer
            // Met before: a session proved its key then, so discovery spares it from eviction.
            if known[peer.peerID] != nil, let service = discovery { tasks.spawn { await service.confirm(peer.peerID) } }
            show(.presence("online: \(describe(peer)) at \(peer.endpointText)", about: peer.peerID))
            publishPeers()
            // A new route: messages that waited for this peer go out now (the chat core).
            apply(.discovered(peer.peerID, nickname: LineOutput.sanitize(peer.nickname), address: peer.endpointText))
        case .updated(let peer):
            let before = discovered[peer.peerID]
            discovered[peer.peerID] = peer
            // Perhaps a new address or port (a peer restarted): what waits for it goes out now,
            // and a relayed session tries the direct path again (the chat core).
            apply(.discovered(peer.peerID, nickname: LineOutput.sanitize(peer.nickname), address: peer.endpointText))
            guard before?.nickname != peer.nickname || before?.endpointText != peer.endpointText else { return }
            // Said as a person would: a new name is "carol is now caro", a new address a move.
            if let before, before.nickname != peer.nickname {
                show(
                    .presence(
                        "\(LineOutput.sanitize(before.nickname)) is now \(LineOutput.sanitize(peer.nickname)) (\(peer.fingerprint))",
                        about: peer.peerID))
            }
            if before?.endpointText != peer.endpointText {
                show(.presence("moved: \(describe(peer)) to \(peer.endpointText)", about: peer.peerID))
            }
            publishPeers()
        case .removed(let peer, let why):
            discovered[peer.peerID] = nil
            apply(.discoveryLost(peer.peerID))
            // A clean exit is said once: by its session's end ("carol left"), whether that came
            // just before the goodbye or is still to come.
            if !(why == .goodbye && (leftRecently(peer.peerID) || connectedPeers.contains(peer.peerID))) {
                show(.presence("offline: \(describe(peer)) (\(why.word))", about: peer.peerID))
            }
            publishPeers()
        }
    }

    /// Direct dials to discovered peers at once. Each is a TCP connection to an address and a
    /// port an announcement named, and announcements are unproven hints: a LAN full of fake
    /// announcements must not make us connect to dozens of attacker-chosen endpoints at once.
    /// A dial for messages waits its turn (`dialQueue`); a dial only to prove a peer is skipped.
    static let maxDialsInFlight = 4

    /// Whether a session proved this discovered peer: one did in this run or in an earlier one
    /// (its key is pinned). Only proven peers get room lines written for them (docs/PROTOCOL.md
    /// §10): an announcement alone is no peer.
    func isProven(_ peer: PeerID) -> Bool {
        known[peer] != nil
    }

    /// Discovered peers no session has proved, the ones most likely real first (heard again
    /// after a while or answering a query, then heard most recently).
    var unprovenDiscovered: [DiscoveredPeer] {
        discovered.values.filter { !isProven($0.peerID) }.sorted {
            ($0.confirmed ? 0 : 1, $1.lastSeen, $0.peerID.description) < (
                $1.confirmed ? 0 : 1, $0.lastSeen, $1.peerID.description
            )
        }
    }

    /// Opens a session to a discovered peer, unless one is open or being opened. `proving`:
    /// only to prove the peer (nothing waits for it), skipped when `maxDialsInFlight` dials
    /// are out; otherwise the dial waits in `dialQueue` for one to end. True when a dial to the
    /// peer is out, queued, or a session with it is coming up: its end is reported (`dialEnded`,
    /// or the session's close).
    @discardableResult
    func dial(_ peer: DiscoveredPeer, proving: Bool = false) -> Bool {
        guard connector != nil else { return false }
        guard !dialing.contains(peer.peerID),
            !sessions.values.contains(where: { $0.peer?.peerID == peer.peerID || $0.dialed == peer.peerID })
        else { return true }
        guard dialing.count < Self.maxDialsInFlight else {
            if !proving, !dialQueue.contains(peer.peerID) { dialQueue.append(peer.peerID) }
            return !proving
        }
        dialQueue.removeAll { $0 == peer.peerID }
        // Dials that ended were reported already: only those still out stay marked.
        provingDials.formIntersection(dialing)
        if proving { provingDials.insert(peer.peerID) }
        dialing.insert(peer.peerID)
        // A retry after failed ones (the core's backoff) is quiet: its failures were summarised.
        if core.failedOpens(of: peer.peerID) == 0 {
            show(.notice("connecting to \(describe(peer)) at \(peer.endpointText)", in: .peer(peer.peerID.description)))
        }
        guard let connector else { return false }
        tasks.spawn {
            do {
                let link = try await connector(peer)
                await self.attach(link, isOutgoing: true, dialed: peer.peerID)
            } catch {
                await self.dialEnded(
                    peer.peerID, failure: "cannot reach \(LineOutput.sanitize(peer.nickname)): \(error)")
            }
        }
        return true
    }

    /// A dial ended (its session came up, failed or closed): it no longer counts toward
    /// `maxDialsInFlight`; its failure, if any, is reported (while it is still known as a
    /// proving dial or not), then a queued one goes out in its place.
    /// The chat core hears of it (`failed`: no session came of it), and may open another.
    func dialEnded(_ id: PeerID, failure: String? = nil, failed: Bool = true) {
        let wasDialing = dialing.remove(id) != nil
        if let failure { dialFailed(id, reason: failure) }
        if wasDialing { dialNextQueued() }
        apply(.openEnded(id, failed: failed))
    }

    /// A dial ended: the next queued one still discovered goes out.
    func dialNextQueued() {
        while dialing.count < Self.maxDialsInFlight, !dialQueue.isEmpty {
            let id = dialQueue.removeFirst()
            if let peer = discovered[id], readySession(with: id) == nil, dial(peer) { continue }
            apply(.openEnded(id, failed: true))
        }
    }

    /// A session opened for a discovered peer failed before its handshake completed: what was
    /// written for it stays in the outbox until the peer is back. A dial only to prove the peer
    /// had nothing waiting: a notice, not a failure.
    func dialFailed(_ id: PeerID, reason: String) {
        if provingDials.remove(id) != nil {
            show(.notice("\(reason); nothing was waiting for it", in: .peer(id.description)))
            return
        }
        // Only the first failure since the last new route is told (and counted): the core
        // retries with a growing wait and says once when the waits stop growing.
        guard core.failedOpens(of: id) == 0 else { return }
        failures += 1
        show(
            .error(
                "\(reason); messages for \(LineOutput.sanitize(nickname(of: id))) stay queued until it is back",
                in: .peer(id.description)))
    }
}

extension ChatController {
    /// How long after a peer's "left" its goodbye on the LAN stays unsaid.
    static let leftLineCovers: Duration = .seconds(30)

    /// The peer closed its session and "NICK left" was said.
    func noteLeft(_ peer: PeerID) {
        let now = Instant.now()
        leftAt = leftAt.filter { now - $0.value < Self.leftLineCovers }
        leftAt[peer] = now
    }

    /// Whether "NICK left" was said lately: the goodbye that follows a clean exit is the same news.
    func leftRecently(_ peer: PeerID) -> Bool {
        guard let at = leftAt.removeValue(forKey: peer) else { return false }
        return Instant.now() - at < Self.leftLineCovers
    }
}
