import ChatCore
import ChatModel
import Foundation
import Identity
import Store
import Wire

/// What the user typed, from either client: the same `UserCommand`s, parsed by `CommandParser`.
extension ChatController {
    /// A line from the line-oriented client. Text goes to the room; `/win`, `/close` and `/clear`
    /// need the full screen.
    public func handle(line rawLine: String) async {
        let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : rawLine
        switch CommandParser.parse(line) {
        case .failure(let error):
            show(.error(error.description))
        case .success(.help(let topic)):
            let lines = topic.flatMap(CommandHelp.entry)?.text ?? CommandHelp.overview
            for line in lines { show(.notice(line)) }
        case .success(.msg(_, nil)):
            show(.error("usage: /msg NICK TEXT"))
        case .success(let command) where command == .clear || command.name == "win" || command.name == "close":
            show(.error("/\(command.name) works in the full-screen client only"))
        case .success(.quit):
            tasks.spawn { await self.quit() }
        case .success(let command):
            await perform(command, in: .room)
        }
    }

    /// Carries out a command typed in `conversation` (the full-screen client's window on screen).
    public func perform(_ command: UserCommand, in conversation: ConversationID) async {
        if command.isCallCommand {
            if let calls = options.features.calls {
                await calls.handle(command, in: conversation, chat: self)
            } else {
                show(.error(ChatFeatures.unavailable(command.name), in: conversation))
            }
            return
        }
        if command.isFileCommand {
            if let files = options.features.files {
                await files.handle(command, in: conversation, chat: self)
            } else {
                show(.error(ChatFeatures.unavailable(command.name), in: conversation))
            }
            return
        }
        if command.isRelayCommand {
            if let relay = options.features.relay {
                await relay.handle(command, in: conversation, chat: self)
            } else {
                show(.error(ChatFeatures.unavailable(command.name), in: conversation))
            }
            return
        }
        switch command {
        case .text(let text):
            await submit(text, to: conversation)
        case .me(let action):
            await submit(ActionText.text(of: action), to: conversation)
        case .set(let request):
            guard let settings = options.features.settings else {
                show(.error(ChatFeatures.unavailable(command.name), in: conversation))
                return
            }
            let (lines, isError, updates) = await settings.handle(request)
            for line in lines { show(isError ? .error(line, in: conversation) : .notice(line, in: conversation)) }
            if !updates.isEmpty { show(ChatOutput(updates)) }
        case .msg(let nickname, let text):
            await directMessage(to: nickname, text: text, from: conversation)
        case .peers:
            await listPeers(in: conversation)
        case .verify(let nickname, let action):
            await verify(nickname, action: action, in: conversation)
        case .ignore(let name):
            await ignore(name, in: conversation)
        case .unignore(let name):
            await unignore(name, in: conversation)
        case .away(let message):
            setPresence(.away(Presence.awayMessage(from: message)), in: conversation)
        case .back:
            setPresence(.online, in: conversation)
        case .nick(let name):
            await changeNickname(to: name, in: conversation)
        case .history(let search):
            await history(search: search, in: conversation)
        case .help(let topic):
            let lines = topic.flatMap(CommandHelp.entry)?.text ?? CommandHelp.overview
            for line in lines { show(.notice(line, in: conversation)) }
        case .quit:
            await quit()
        case .clear, .win, .close, .call, .answer, .decline, .hangup, .mute, .relay, .path, .file, .accept, .reject, .files, .cancelTransfer:
            break  // the screen's own, or routed above
        }
    }

    /// The peer a command names, or the peer of the conversation on screen.
    func peer(named nickname: String?, in conversation: ConversationID) -> PeerID? {
        if let nickname {
            switch resolve(nickname) {
            case .success(let id): return id
            case .failure(let problem):
                show(.error(problem.text, in: conversation))
                return nil
            }
        }
        if case .peer(let text) = conversation, let id = PeerID(text) { return id }
        show(.error("name a peer, or use the command in that peer's window", in: conversation))
        return nil
    }

    // MARK: /msg

    private func directMessage(to nickname: String, text: String?, from conversation: ConversationID) async {
        // The relay's list may be older than the peer: ask it again before giving up.
        if relayState.client != nil, case .failure(.unknown) = resolve(nickname) { await refreshRelayPeers() }
        guard let id = peer(named: nickname, in: conversation) else { return }
        let window = ConversationID.peer(id.description)
        show(ChatOutput([.activate(window)]))
        await showRecentHistory(of: window)
        if let text { await submit(text, to: window) }
    }

    // MARK: /verify

    /// `/verify`: shows the safety number and asks the user to compare it; only `confirm` marks
    /// the peer verified (a number merely shown proves nothing), and `reset` takes it back.
    private func verify(_ nickname: String?, action: VerifyAction, in conversation: ConversationID) async {
        if action == .accept {
            await acceptNewKey(nickname, in: conversation)
            return
        }
        guard let id = peer(named: nickname, in: conversation) else { return }
        let nick = LineOutput.sanitize(self.nickname(of: id))
        guard known[id] != nil else {
            show(.error("\(nick) has not completed a session with you yet: nothing to verify", in: conversation))
            return
        }
        switch action {
        case .show, .accept:
            let number = SafetyNumber(me, id)
            show(.notice("safety number with \(nick) (\(id.fingerprint)):", in: conversation))
            for line in number.lines { show(.notice("    " + line, in: conversation)) }
            show(
                .notice(
                    "compare it with \(nick)'s (they see the same with /verify \(LineOutput.sanitize(ownNick))), aloud or in person",
                    in: conversation))
            show(
                .notice(
                    known[id]?.verified == true
                        ? "\(nick) is marked verified; /verify \(nick) reset takes the mark back"
                        : "if every digit matches: /verify \(nick) confirm",
                    in: conversation))
        case .confirm, .reset:
            let verified = action == .confirm
            do {
                _ = try await store.perform { try $0.markVerified(peerID: id, verified) }
                if let peer = try await store.perform({ try $0.knownPeer(id) }) { known[id] = peer }
                show(
                    .notice(verified ? "\(nick) is marked verified" : "\(nick) is no longer marked verified", in: conversation))
                publishPeers()
            } catch {
                show(.error("could not change \(nick)'s verified mark: \(error)", in: conversation))
            }
        }
    }

    /// `/call` for `peer`: the chat core places it now or once a session is up (ChatCore+Calls).
    func routeCall(to peer: PeerID, in conversation: ConversationID) {
        let nick = LineOutput.sanitize(nickname(of: peer))
        apply(
            .callTyped(
                peer, nickname: nick, window: ChatWindow(conversation) ?? .room,
                ready: readySession(with: peer) != nil))
    }

    /// `/verify NICK accept`: the user accepts the new key a known nickname presented.
    private func acceptNewKey(_ nickname: String?, in conversation: ConversationID) async {
        // Which refusal it means is the chat core's (ChatCore+Trust); it reports when accepted.
        let typed = ChatEvent.acceptKeyTyped(
            nickname: nickname, shown: nickname.map(LineOutput.sanitize), in: ChatWindow(conversation) ?? .room)
        for write in apply(typed) { await write.wait() }
    }

    /// Pins the refused key to its nickname in the store, after the writes before it.
    func accept(_ refusal: KeyRefusal, in window: ChatWindow) -> Completion {
        tasks.serially { [store] in
            let result = await Result.awaiting {
                try await store.perform { try $0.acceptNewKey(peerID: refusal.presented, nickname: refusal.nickname) }
            }
            await self.accepted(refusal, in: window, result)
        }
    }

    private func accepted(_ refusal: KeyRefusal, in window: ChatWindow, _ result: Result<KnownPeer, any Error>) {
        switch result {
        case .success(let peer):
            known[peer.peerID] = peer
            apply(.keyAccepted(refusal, in: window, error: nil))
            publishPeers()
        case .failure(let error):
            apply(.keyAccepted(refusal, in: window, error: "\(error)"))
        }
    }

    // MARK: /history

    private func history(search: String?, in conversation: ConversationID) async {
        if let search {
            do {
                let found = try await store.perform { try $0.search(text: search, limit: 20) }
                if found.isEmpty {
                    show(.notice("no stored message contains \"\(LineOutput.sanitize(search))\"", in: conversation))
                }
                for message in found { show(.notice(historyLine(message), in: conversation)) }
            } catch {
                show(.error("cannot search the history: \(error)", in: conversation))
            }
            return
        }
        let before = oldestShown[conversation]
        let limit = options.recentHistory
        do {
            let older = try await store.perform {
                try $0.messages(in: conversation.stored, before: before, limit: limit)
            }
            guard let first = older.first else {
                show(.notice("no older messages", in: conversation))
                return
            }
            oldestShown[conversation] = first.id
            // On screen, before what is shown; in plain mode, as lines.
            show(ChatOutput([.history(older.map(Self.screenMessage), in: conversation)]))
            for message in older { show(ChatOutput(line: "* " + historyLine(message))) }
        } catch {
            show(.error("cannot read the history: \(error)", in: conversation))
        }
    }

    private func historyLine(_ message: StoredMessage) -> String {
        let date = Date(timeIntervalSince1970: Double(message.receivedAt ?? message.sentAt) / 1000)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let place: String
        switch message.conversation {
        case .room(let name): place = name
        case .direct(let id): place = "with " + LineOutput.sanitize(nickname(of: id))
        }
        let text = LineOutput.sanitize(message.text).replacingOccurrences(of: "\n", with: " ")
        return "[\(formatter.string(from: date))] <\(LineOutput.sanitize(message.senderNickname))> \(text) (\(place))"
    }
}
