import ChatModel
import FileTransfer
import Files
import Foundation
import Identity
import Net

/// Files going out: `/file NICK PATH…` as one batch, each file hashed just before its offer.
extension FileFeature {
    /// `/file NICK PATH…`: the files and directories of `rest`, offered as one batch and sent
    /// one after another on the direct session; the peer answers the first offer for all.
    func offer(_ rest: String, to nickname: String, in conversation: ConversationID, chat: ChatController) async {
        guard let peer = await chat.peer(named: nickname, in: conversation) else { return }
        let nick = LineOutput.sanitize(await chat.nickname(of: peer))
        guard let connection = await chat.directConnection(with: peer) else {
            await chat.show(.error("/file: no direct session with \(nick) (files do not go through the relay yet)", in: conversation))
            return
        }
        guard running.count < Self.maxTransfers else {
            await chat.show(.error("/file: \(Self.maxTransfers) transfers are running; wait for one to end", in: conversation))
            return
        }
        let exists = { (path: String) in FileManager.default.fileExists(atPath: (path as NSString).expandingTildeInPath) }
        guard let paths = FilePaths.split(rest, exists: exists), !paths.isEmpty else {
            await chat.show(.error("/file: a quote is left open in \(LineOutput.sanitize(rest))", in: conversation))
            return
        }
        chat.tasks.spawn { [weak self] in
            let selection: FileSelection
            do throws(FileProblem) {
                selection = try FileSelection.collect(paths)
            } catch {
                await chat.show(.error("/file: \(error.description)", in: conversation))
                return
            }
            await self?.send(selection, to: peer, nick: nick, on: connection, in: conversation, chat: chat)
        }
    }

    /// Sends a selection's files in order, each hashed just before its offer; the first failure
    /// ends the batch.
    nonisolated func send(
        _ selection: FileSelection, to peer: PeerID, nick: String, on connection: PeerConnection,
        in conversation: ConversationID, chat: ChatController
    ) async {
        // "photos/ (12 files, 30.0 MB)", "3 files (5.0 MB)", "notes.txt".
        let title = LineOutput.sanitize(selection.title)
        let total = Self.bytes(selection.bytes)
        let what = title.hasSuffix("/") ? "\(title) (\(selection.items.count) files, \(total))" : "\(title) (\(total))"
        let count = selection.items.count
        let many = count > 1
        let batchID = UInt64.random(in: 1...UInt64.max)
        let begun = ContinuousClock.now
        if selection.skipped > 0 {
            await chat.show(.notice("/file: \(selection.skipped) hidden entries, links or special files left out", in: conversation))
        }
        await chat.show(.notice(many ? "hashing \(what)…" : "hashing \(title)…", in: conversation))
        for (index, item) in selection.items.enumerated() {
            let name = LineOutput.sanitize(item.name)
            let sent = many ? "; \(index) of \(count) files sent" : ""
            let source: SourceFile
            do throws(FileProblem) {
                source = try SourceFile(
                    path: item.path, transfer: .random(in: 1...UInt64.max), name: item.name,
                    batch: selection.batch(id: batchID, index: index))
            } catch {
                await chat.show(.error("/file: \(error.description)\(sent)", in: conversation))
                return
            }
            let key = Key(peer: peer, transfer: source.offer.transfer)
            let sender = FileSender(source: source, connection: connection)
            await started(.sending(sender, link: ObjectIdentifier(connection)), key: key, chat: chat)
            // The session may have ended meanwhile: the sender would wait for an answer that cannot come.
            if await chat.directConnection(with: peer) !== connection { await sender.sessionClosed() }
            if index == 0 {
                await chat.show(.notice("offered \(what) to \(nick); waiting for \(nick) to accept", in: conversation))
            }
            let outcome = await sender.run()
            await finished(key)
            let progress = await sender.progress
            guard case .done = outcome else {
                await chat.show(.error("\(name) to \(nick): \(outcome)\(sent)", in: conversation))
                return
            }
            if !many {
                await chat.show(.notice("sent \(name) to \(nick): \(Self.bytes(source.offer.size)) in \(Self.seconds(progress.elapsed)) s", in: conversation))
            }
        }
        if many {
            await chat.show(.notice("sent \(what) to \(nick) in \(Self.seconds(ContinuousClock.now - begun)) s", in: conversation))
        }
    }
}
