import Identity
import Session
import Wire

/// Trust on first use: what the store's key check means for a session, a nickname frame and a
/// sealed message's sender; which texts are taken (committed, then acknowledged); and what
/// `/verify NICK accept` accepts. A key refused for a pinned nickname is refused loudly, takes
/// nothing (its sender keeps its messages) and is remembered until the user accepts it.
struct TrustBook: Sendable {
    /// Sessions whose key was checked, with their peer: trusted (their texts are taken) or
    /// refused (closing; nothing they send is taken). Forgotten when they end.
    var sessions: [ChatSessionID: (peer: PeerID, trusted: Bool)] = [:]
    /// Refused keys by the nickname they presented, folded (compared ignoring case).
    var refusals: [String: KeyRefusal] = [:]

    static func fold(_ nickname: String) -> String { nickname.lowercased() }
}

extension ChatCore {
    /// Keys refused for a pinned nickname, waiting for `/verify NICK accept`.
    public var keyRefusals: [KeyRefusal] {
        trust.refusals.values.sorted { $0.nickname < $1.nickname }
    }

    /// The key was refused for this nickname already (a nickname frame repeated on the peer's
    /// other session): it was warned about once, nothing to check again.
    public func refuses(_ nickname: String, presentedBy peer: PeerID) -> Bool {
        trust.refusals[TrustBook.fold(nickname)]?.presented == peer
    }

    /// Whether texts on the session are taken: its key check passed and it has not ended.
    public func takesTexts(on session: ChatSessionID) -> Bool {
        trust.sessions[session]?.trusted == true
    }

    /// A session's key check: trusted, it may come up (`.trustSession`); refused, it is closed
    /// and takes nothing (`.refuseSession`), loudly when a pinned nickname has a new key.
    mutating func keyChecked(_ session: ChatSessionID, peer: PeerID, nickname nick: String, _ check: KeyCheck) {
        trust.sessions[session] = (peer, check.isTrusted)
        switch check {
        case .failed(let error):
            show(
                "cannot check \(nick)'s key against the known keys (\(error)): session refused", in: .peer(peer),
                isError: true)
        case .changed(let nickname, let warning):
            refuse(peer, nickname: nickname, shown: nick)
            show(warning, in: .room, isError: true)
            show("to accept the new key: /verify \(nick) accept", in: .room, isError: true)
            actions.append(.bell)
        case .new:
            show(
                "first session with \(nick): key \(peer.fingerprint) pinned; compare safety numbers with /verify \(nick)",
                in: .peer(peer))
        case .known(let previous):
            if let previous { show("\(previous) is now known as \(nick)", in: .peer(peer)) }
        case .ignored:
            break  // the user asked not to hear from it: no notice, each time it tries
        }
        actions.append(check.isTrusted ? .trustSession(session) : .refuseSession(session))
    }

    /// A text on a session: taken only when the session's key check passed. A refused key (or
    /// one not checked yet) gets no acknowledgement, so its sender keeps the text and sends it
    /// again on a session that is trusted.
    mutating func textReceived(_ text: ReceivedText, on session: ChatSessionID) {
        guard let checked = trust.sessions[session], checked.trusted else { return }
        actions.append(.takeText(text, from: checked.peer, on: session))
    }

    /// The peer's nickname frame, checked like a nickname in a handshake: taken, or refused with
    /// the same warning while the session goes on under the old name.
    mutating func renameChecked(_ peer: PeerID, from old: String, to nick: String, _ check: KeyCheck) {
        switch check {
        case .failed(let error):
            show(
                "cannot check \(old)'s new nickname \(nick) against the known keys (\(error)): not taken",
                in: .peer(peer), isError: true)
        case .changed(let nickname, let warning):
            refuse(peer, nickname: nickname, shown: nick)
            show(warning, in: .room, isError: true)
            show("\(old) stays \(old) here; to accept the new key: /verify \(nick) accept", in: .room, isError: true)
            actions.append(.bell)
        case .new, .known:
            show("\(old) is now \(nick)", in: .peer(peer))
            peers[peer, default: PeerState()].nickname = nick
        case .ignored:
            break
        }
    }

    /// The sender of a sealed message, checked as for a session: a refused one's message stays
    /// on the relay (the actor does not take it), and the user is told how to accept the key.
    mutating func senderChecked(_ peer: PeerID, nickname nick: String, _ check: KeyCheck) {
        switch check {
        case .failed(let error):
            show(
                "cannot check \(nick)'s key against the known keys (\(error)): offline message kept on the relay",
                in: .peer(peer), isError: true)
        case .changed(let nickname, let warning):
            refuse(peer, nickname: nickname, shown: nick)
            show(warning, in: .room, isError: true)
            show("to accept the new key: /verify \(nick) accept", in: .room, isError: true)
        case .new:
            show(
                "first message from \(nick): key \(peer.fingerprint) pinned; compare safety numbers with /verify \(nick)",
                in: .peer(peer))
        case .known, .ignored: break
        }
    }

    /// `/verify [NICK] accept`: the refusal of that nickname (without one: the only refusal).
    mutating func acceptTyped(_ nickname: String?, shown: String?, in window: ChatWindow) {
        let refusal: KeyRefusal? =
            if let nickname { trust.refusals[TrustBook.fold(nickname)] } else {
                trust.refusals.count == 1 ? trust.refusals.values.first : nil
            }
        guard let refusal else {
            let who = shown.map { "\($0) has" } ?? "no peer has"
            show("\(who) not presented a new key: nothing to accept", in: window, isError: true)
            return
        }
        actions.append(.acceptKey(refusal, in: window))
    }

    /// The store took the new key (or could not, `error`): its next session is trusted.
    mutating func keyAccepted(_ refusal: KeyRefusal, in window: ChatWindow, error: String?) {
        if let error {
            show("could not accept the new key of \(refusal.shown): \(error)", in: window, isError: true)
            return
        }
        trust.refusals[TrustBook.fold(refusal.nickname)] = nil
        show(
            "accepted the new key \(refusal.presented.fingerprint) for \(refusal.shown); its next session is allowed "
                + "and brings what it sent meanwhile",
            in: window)
    }

    private mutating func refuse(_ peer: PeerID, nickname: String, shown: String) {
        trust.refusals[TrustBook.fold(nickname)] = KeyRefusal(presented: peer, nickname: nickname, shown: shown)
    }
}
