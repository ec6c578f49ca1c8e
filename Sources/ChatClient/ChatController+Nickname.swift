import ChatCore
import ChatModel
import Foundation
import Identity
import Session
import Store
import Wire

/// Nicknames that change while sessions run: `/nick` tells every peer at once (a nickname frame,
/// docs/PROTOCOL.md §5.4, and a discovery announcement), and a peer's new nickname is taken
/// under the same pinning rule as one presented in a handshake.
extension ChatController {
    // MARK: /nick

    func changeNickname(to name: String, in conversation: ConversationID) async {
        guard Nickname.isValid(name) else {
            show(.error(SendError.invalidNickname.description, in: conversation))
            return
        }
        if let identityStore = options.identityStore {
            do throws(IdentityError) { try identityStore.saveNickname(name) } catch {
                show(.error("could not save the nickname: \(error.description)", in: conversation))
                return
            }
        }
        ownNick = name
        // Sessions handshaking from now on present the new nickname.
        try? options.credentials?.changeNickname(to: name)
        show(ChatOutput([.identity(nickname: name, fingerprint: fingerprint.description)]))
        var told = 0
        var peers: Set<PeerID> = []
        // Every established session (direct and relayed, more than one per peer too): each is a
        // place the peer may look the name up.
        for entry in sessions.values where !entry.refused {
            guard let peer = entry.peer else { continue }
            do {
                try await entry.link.sendNickname(name)
                told += 1
                peers.insert(peer.peerID)
            } catch {
                continue  // closed meanwhile: its next session presents the new nickname
            }
        }
        var announced = false
        if let discovery {
            do {
                try await discovery.changeNickname(to: name)
                announced = true
            } catch {
                show(.error("could not announce the nickname on the LAN: \(error)", in: conversation))
            }
        }
        show(.notice(Self.nickNotice(name, peers: peers.count, sessions: told, announced: announced), in: conversation))
    }

    /// "you are now al; told 2 peers (3 sessions), announced on the LAN".
    static func nickNotice(_ name: String, peers: Int, sessions: Int, announced: Bool) -> String {
        var text = "you are now \(LineOutput.sanitize(name)); "
        if sessions == 0 {
            text += "no session to tell"
        } else {
            text +=
                "told \(peers) \(peers == 1 ? "peer" : "peers") (\(sessions) \(sessions == 1 ? "session" : "sessions"))"
        }
        if announced { text += ", announced on the LAN" }
        return text + "; sessions opened later present it"
    }

    // MARK: A peer's new nickname

    /// A peer's nickname frame. Taken like a nickname in a handshake: a nickname pinned to
    /// another key is refused with the same warning (the peer keeps its old name here, and
    /// `/verify NICK accept` lets its next session use the new one); otherwise it is stored,
    /// pinned to the peer's key, and shown everywhere.
    func peerRenamed(to nickname: String, on key: ObjectIdentifier) async {
        guard let entry = sessions[key], let peer = entry.peer, entry.trusted, !entry.refused,
            nickname != peer.nickname
        else { return }
        let old = LineOutput.sanitize(peer.nickname)
        let nick = LineOutput.sanitize(nickname)
        // Already refused for this peer (the same frame on its other session): warned once.
        if core.refuses(nickname, presentedBy: peer.peerID) { return }
        // Renames past the allowance are ignored, counted, and said once per session.
        guard sessions[key]?.renames.take(now: Instant.now()) == true else {
            renamesIgnored += 1
            if sessions[key]?.renamesIgnoredShown == false {
                sessions[key]?.renamesIgnoredShown = true
                show(
                    .error(
                        "\(old) changes its nickname too often (more than \(NicknameChangeAllowance.burst) at once): "
                            + "ignoring its new nicknames for now; it stays \(old) here"))
            }
            return
        }
        let check: KeyCheck
        do {
            let decision = try await store.perform { try $0.check(peerID: peer.peerID, nickname: nickname) }
            check = keyCheck(decision, of: peer.peerID)
        } catch {
            check = .failed("\(error)")
        }
        // Taken, or refused with a warning, by the chat core (ChatCore+Trust).
        apply(.renameChecked(peer.peerID, from: old, to: nick, check))
        guard check.isTrusted else { return }
        // Its every session, and whatever else names it (the peers pane, window labels).
        for (other, value) in sessions where value.peer?.peerID == peer.peerID {
            sessions[other]?.peer?.nickname = nickname
        }
        publishPeers()
    }

    /// The store's trust decision as the chat core takes it (`KeyCheck`); a trusted peer's
    /// record is kept for the peers pane.
    func keyCheck(_ decision: TrustDecision, of peer: PeerID) -> KeyCheck {
        switch decision {
        case .keyChanged(let nickname, _, _):
            return .changed(nickname: nickname, warning: LineOutput.sanitize(decision.warning ?? ""))
        case .new(let knownPeer):
            known[peer] = knownPeer
            return .new
        case .known(let knownPeer, let previous):
            known[peer] = knownPeer
            return .known(previousNickname: previous.map(LineOutput.sanitize))
        }
    }
}
