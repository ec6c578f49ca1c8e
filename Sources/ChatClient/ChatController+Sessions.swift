import ChatCore
import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session
import Store
import Wire

/// Sessions: established (trust on first use, then the outbox), messages in (recorded once),
/// acknowledgements, and the end.
extension ChatController {
    /// Takes over a session (direct or relayed) and handles its events in order. `address` is
    /// what notices and `/peers` show as where the peer is; a relayed session's default is
    /// "relay HOST:PORT".
    public func attach(_ link: any ChatLink, isOutgoing: Bool = false, dialed: PeerID? = nil, address: String? = nil) {
        let key = ObjectIdentifier(link)
        let path = link.path
        let address = address ?? (path == .relay ? relayLabel : link.remoteAddressText)
        directPath.attached += 1
        sessions[key] = SessionEntry(
            link: link, isOutgoing: isOutgoing, address: address, order: directPath.attached, path: path, dialed: dialed
        )
        sessions[key]?.consumer = tasks.spawn {
            for await event in link.events {
                guard !Task.isCancelled else { return }
                await self.handle(event, on: key)
            }
        }
    }

    /// The session with a peer that new messages go out on: of its ready sessions, the preferred
    /// one (direct before relayed, see `SessionPreference`).
    func readySession(with peer: PeerID) -> ObjectIdentifier? {
        preferredSession(with: peer) { $0.ready }
    }

    /// Peers with a ready session.
    var connectedPeers: Set<PeerID> {
        Set(sessions.values.compactMap { $0.ready ? $0.peer?.peerID : nil })
    }

    private func handle(_ event: SessionEvent, on key: ObjectIdentifier) async {
        guard let entry = sessions[key] else { return }
        switch event {
        case .established(let peer):
            await established(peer, on: key)
        case .message(let message):
            received(message, on: key)
        case .delivered(let id, let roundTrip):
            measured(roundTrip, on: key)
            delivered(id, roundTrip: roundTrip, on: key)
        case .roundTrip(let duration):
            measured(duration, on: key)
            if let peer = entry.peer, entry.ready {
                roundTrips[peer.peerID] = duration
                publishPeers()
                await options.features.calls?.sessionEvent(event, on: entry.link, peer: peer.peerID, chat: self)
            }
        case .frame(.presence(let presence)):
            peerPresence(presence, on: key)
        case .frame(.file(let frame)):
            // File frames: the file feature's, from a trusted session only.
            if let peer = entry.peer, entry.trusted, let files = options.features.files,
                !files.route(frame, from: peer.peerID)
            {
                await files.received(frame, on: entry.link, from: peer.peerID, chat: self)
            }
        case .frame(let frame):
            // Voice and call signalling: the call integration's, when there is one. A trusted
            // session's frames count before it is ready: a call moving to it loses none.
            if let peer = entry.peer, entry.trusted, let calls = options.features.calls {
                await calls.sessionEvent(.frame(frame), on: entry.link, peer: peer.peerID, chat: self)
            }
        case .nicknameChanged(let nickname):
            await peerRenamed(to: nickname, on: key)
        case .sendFailed(let id, let error):
            sendFailed(id, error: error, on: key)
        case .closed(let reason):
            await options.features.files?.sessionClosed(entry.link)
            if let peer = entry.peer, let calls = options.features.calls {
                if let next = liveSession(with: peer.peerID, except: key), let link = sessions[next]?.link {
                    // Another session with the peer carries on: so does a call on this one.
                    await calls.sessionReady(link, peer: peer, chat: self)
                    apply(.callReady(peer.peerID))
                } else if reason != .peerClosed(.moved) {
                    // (Moved: the call waits for the session the peer moved to.)
                    await calls.sessionEvent(event, on: entry.link, peer: peer.peerID, chat: self)
                }
            }
            closed(reason, on: key)
        }
    }

    // MARK: Established

    private func established(_ peer: PeerInfo, on key: ObjectIdentifier) async {
        sessions[key]?.peer = peer
        let nick = LineOutput.sanitize(peer.nickname)
        let check: KeyCheck
        var outbox: [PendingMessage] = []
        var counts: [DeliveryCount] = []
        let me = me
        if isIgnored(peer.peerID) {
            check = .ignored
        } else {
            do {
                // With what the store's outbox holds for the peer: the core knows what this run
                // queued, the store also what another process (`parley send`) left there.
                let decision: TrustDecision
                (decision, outbox, counts) = try await store.perform {
                    let pending = try $0.pendingOutbox(for: peer.peerID)
                    return (
                        try $0.check(peerID: peer.peerID, nickname: peer.nickname), pending,
                        try Self.deliveryCounts(of: pending, in: $0, me: me)
                    )
                }
                check = keyCheck(decision, of: peer.peerID)
            } catch {
                check = .failed("\(error)")
            }
        }
        guard let entry = sessions[key] else { return }
        // A second session with a peer already connected (a move to the direct path, or both
        // sides connecting at once) shows no "connected" line and resends without notice.
        let beside = carriesConversation(with: peer.peerID, besides: key)
        // Trust on first use is the chat core's (ChatCore+Trust): it marks the session trusted,
        // or refused (it takes nothing from it, and warns when a pinned nickname has a new key).
        apply(.keyChecked(ChatSessionID(entry.order), peer: peer.peerID, nickname: nick, check))
        guard sessions[key]?.trusted == true else {
            await refuse(key)
            return
        }
        if !beside {
            show(
                ChatOutput(
                    [
                        .notice(
                            "connected: \(nick) \(peer.fingerprint) at \(entry.address)",
                            in: .peer(peer.peerID.description))
                    ],
                    line: "* connected: \(nick) \(peer.fingerprint) at \(entry.address)"))
        }
        if let service = discovery { tasks.spawn { await service.confirm(peer.peerID) } }
        // Up in the chat core: it sends the outbox at once, oldest first, and what is typed from
        // now on (ChatController+Core).
        if let candidate = candidate(entry) {
            apply(.deliveriesLoaded(counts))
            apply(.outboxLoaded(peer.peerID, outbox.map(Self.outgoing)))
            sessions[key]?.inCore = true
            apply(.sessionUp(ChatSessionID(entry.order), peer: peer.peerID, nickname: nick, candidate: candidate))
        }
        dialEnded(peer.peerID, failed: false)
        await showRecentHistory(of: .peer(peer.peerID.description))
        // Replaced meanwhile: it never carries the conversation.
        guard let current = sessions[key], !current.moved else { return }
        sessions[key]?.ready = true
        if let mine = presence.forNewSession { current.link.sendPresence(mine) }
        publishPeers()  // now connected, with its path
        if readySession(with: peer.peerID) == key, let calls = options.features.calls {
            await calls.sessionReady(current.link, peer: peer, chat: self)
            // A call waiting for this session is placed now (ChatCore+Calls).
            apply(.callReady(peer.peerID))
        }
        // Close what this session makes redundant, or try the direct path beside a relayed one.
        await settleSessions(with: peer)
        finishIfIdle()
    }

    func refuse(_ key: ObjectIdentifier) async {
        guard let link = sessions[key]?.link else { return }
        await link.close()
    }

    // MARK: Incoming

    /// A text from the peer: committed to the store, then acknowledged (ChatController+Incoming),
    /// when the chat core takes it. A refused session (its key is not the one pinned) or one not
    /// checked yet acknowledges nothing: the sender keeps the message and sends it again once
    /// the user accepts the key and a session comes up.
    private func received(_ message: IncomingMessage, on key: ObjectIdentifier) {
        guard let id = sessionID(key) else { return }
        apply(.textReceived(id, ReceivedText(id: message.id, sentAt: message.sentAt, text: message.text)))
    }

    /// The core took the text (its session's key check passed): committed, then acknowledged.
    func take(_ text: ReceivedText, on session: ChatSessionID) {
        guard let key = sessionKey(session), let entry = sessions[key], let peer = entry.peer else { return }
        let record = Self.incomingRecord(
            id: text.id, sentAt: text.sentAt, text: text.text, from: peer.peerID, nickname: peer.nickname)
        commitLater(.init(record: record, note: nil, source: .session(key, entry.link)))
    }

    static func messageKey(_ sender: PeerID, _ id: MessageID) -> String {
        "\(sender)-\(id)"
    }

    // MARK: Closed

    private func closed(_ reason: CloseReason, on key: ObjectIdentifier) {
        guard let entry = sessions.removeValue(forKey: key) else { return }
        apply(.sessionClosed(ChatSessionID(entry.order)))
        // Replaced by, or ended beside, another session with the peer: nothing was lost.
        let beside = endedBeside(entry, reason: reason)
        if entry.inCore, !beside, case .peerClosed = reason, let peer = entry.peer { noteLeft(peer.peerID) }
        if entry.inCore {
            // The core says who left, in the peer's window, and puts back what the session had
            // not got acknowledged (sent at once on a session that carries on).
            apply(.sessionDown(ChatSessionID(entry.order), beside ? .replaced : Self.end(reason)))
        } else if !beside, !(entry.peer.map { isIgnored($0.peerID) } ?? false) {
            // (An ignored peer's sessions end without a word, however often it dials again.)
            let who = entry.peer.map { LineOutput.sanitize($0.nickname) } ?? entry.address
            let window = (entry.peer?.peerID ?? entry.dialed).map { ConversationID.peer($0.description) } ?? .room
            switch reason {
            case .peerClosed: show(.notice("\(who) left", in: window))
            case .localClose: show(.notice("closed the session with \(who)", in: window))
            default: show(.error("session with \(who) ended: \(reason)", in: window))
            }
        }
        if beside {
            publishPeers()
            finishIfIdle()
            return
        }
        if let peer = entry.peer {
            if readySession(with: peer.peerID) == nil {
                roundTrips[peer.peerID] = nil
                presence.disconnected(peer.peerID)
            }
            dialEnded(peer.peerID)
            forgetDirectPath(to: peer.peerID)
        } else if let dialed = entry.dialed {
            dialEnded(dialed, failure: reason.description)
        }
        publishPeers()
        if entry.isOutgoing && !options.stayAfterInput && (inputDone || !options.reconnectsTarget) {
            // After the store writes already asked for (deliveries recorded and shown).
            let status: ExitStatus = entry.peer == nil ? reason.exitStatus : (failures > 0 ? .failure : .success)
            tasks.serially { await self.finish(status) }
        } else {
            finishIfIdle()
        }
    }

    /// How the chat core words a session's end.
    static func end(_ reason: CloseReason) -> SessionEnd {
        switch reason {
        case .peerClosed: .peerLeft
        case .localClose: .closedHere
        default: .failed(reason.description)
        }
    }

    static func fold(_ nickname: String) -> String { nickname.lowercased() }
}
