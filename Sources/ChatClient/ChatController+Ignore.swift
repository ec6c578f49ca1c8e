import ChatModel
import Identity
import Store
import Wire

/// `/ignore` and `/unignore`: an ignored peer's sessions are refused (the chat core takes
/// nothing from them), its announcements hidden and its offline messages dropped; the list is
/// kept in the history database, so it holds across restarts.
extension ChatController {
    /// Reads the ignored peers at start.
    func loadIgnored() async {
        do {
            let peers = try await store.perform { try $0.ignoredPeers() }
            for peer in peers { ignored[peer.peerID] = peer.nickname }
        } catch {
            show(.error("cannot read the ignored peers: \(error)"))
        }
    }

    func isIgnored(_ peer: PeerID) -> Bool { ignored[peer] != nil }

    /// `/ignore` lists; `/ignore NICK|FINGERPRINT` ignores that peer from now on.
    func ignore(_ name: String?, in conversation: ConversationID) async {
        guard let name else {
            if ignored.isEmpty {
                show(.notice("nobody is ignored", in: conversation))
            } else {
                let list = ignored.sorted { $0.value < $1.value }
                    .map { "\(LineOutput.sanitize($0.value)) (\($0.key.fingerprint))" }
                show(.notice("ignored: " + list.joined(separator: ", "), in: conversation))
            }
            return
        }
        guard let id = peer(named: name, in: conversation) else { return }
        let nick = nickname(of: id)
        do {
            _ = try await store.perform { try $0.ignore(peerID: id, nickname: nick) }
        } catch {
            show(.error("could not ignore \(LineOutput.sanitize(nick)): \(error)", in: conversation))
            return
        }
        ignored[id] = nick
        // Its sessions end now; new ones are refused (`established`).
        for (key, entry) in sessions where entry.peer?.peerID == id { await refuse(key) }
        // Forgotten as a discovered route too, so that the chat core does not dial it for what
        // waits in the outbox.
        if discovered.removeValue(forKey: id) != nil { apply(.discoveryLost(id)) }
        publishPeers()
        show(
            .notice(
                "\(LineOutput.sanitize(nick)) (\(id.fingerprint)) is ignored: sessions refused, announcements hidden; /unignore \(LineOutput.sanitize(nick)) undoes it",
                in: conversation))
    }

    /// `/unignore NICK|FINGERPRINT`.
    func unignore(_ name: String, in conversation: ConversationID) async {
        let id: PeerID
        if let match = ignored.first(where: { $0.value.lowercased() == name.lowercased() })?.key {
            id = match
        } else if let resolved = peer(named: name, in: conversation) {
            id = resolved
        } else {
            return
        }
        let nick = LineOutput.sanitize(ignored[id] ?? nickname(of: id))
        do {
            guard try await store.perform({ try $0.unignore(peerID: id) }) else {
                show(.error("\(nick) is not ignored", in: conversation))
                return
            }
        } catch {
            show(.error("could not unignore \(nick): \(error)", in: conversation))
            return
        }
        ignored[id] = nil
        show(.notice("\(nick) is no longer ignored", in: conversation))
    }
}
