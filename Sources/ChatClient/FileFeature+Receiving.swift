import ChatModel
import FileTransfer
import Files
import Identity
import Net
import Wire

/// Files coming in: offers asked about or taken by the policy or an accepted batch, and each
/// accepted file received into the downloads directory.
extension FileFeature {
    func offered(_ offer: FileOffer, on link: any ChatLink, from peer: PeerID, chat: ChatController) async {
        guard let connection = link as? PeerConnection else { return }
        let nick = LineOutput.sanitize(await chat.nickname(of: peer))
        let name = LineOutput.sanitize(FileNames.relativePath(offer.name))
        guard !connection.isRelayed else {
            // Files travel on direct sessions only (for now): the sender hears no at once.
            refusedOffers += 1
            connection.sendFrameNoWait(.file(.answer(transfer: offer.transfer, accepted: false)))
            await chat.show(.error("\(nick) offered \(name) through the relay: refused, files travel on direct sessions only"))
            return
        }
        let entry = Pending(number: nextNumber, peer: peer, link: ObjectIdentifier(connection), connection: connection, offer: offer)
        switch batches.admit(offer, from: ObjectIdentifier(connection)) {
        case .take:
            // The next file of a batch the user (or the policy) accepted.
            await receive(entry, chat: chat)
            return
        case .refuse:
            refusedOffers += 1
            connection.sendFrameNoWait(.file(.answer(transfer: offer.transfer, accepted: false)))
            await chat.show(.error("\(nick) offered \(name) outside the terms of the batch it belongs to: refused"))
            return
        case .ask:
            break
        }
        guard offerGate.allow(peer, now: .now()) else {
            refusedOffers += 1
            connection.sendFrameNoWait(.file(.answer(transfer: offer.transfer, accepted: false)))
            if quieted.insert(peer).inserted {
                await chat.show(.error("\(nick) offers files too fast: its offers are refused until it slows down"))
            }
            return
        }
        quieted.remove(peer)
        nextNumber += 1
        let root = offer.root.prefix(6).map { String(format: "%02x", $0) }.joined()
        let auto: Bool
        switch options.acceptFrom {
        case .ask: auto = false
        case .verified: auto = await chat.isVerified(peer)
        case .any: auto = true
        }
        let batch = offer.batch
        let what = batch.count > 1
            ? "\(batch.count) files (\(Self.bytes(batch.bytes)); first \(name), root \(root)…)"
            : "\(name) (\(Self.bytes(offer.size)), root \(root)…)"
        // A batch's size is all its files'.
        if auto, batch.bytes <= options.maxAutoAcceptSize {
            await chat.show(.notice("\(nick) sends \(what): taken, as allowed by --accept-files-from \(options.acceptFrom.rawValue)"))
            await accept(entry, chat: chat)
            return
        }
        pending.append(entry)
        if pending.count > Self.maxPendingOffers {
            let oldest = pending.removeFirst()
            refusedOffers += 1
            oldest.connection.sendFrameNoWait(.file(.answer(transfer: oldest.offer.transfer, accepted: false)))
        }
        let line = "\(nick) offers \(what): /accept \(entry.number) or /reject \(entry.number)"
        await chat.show(ChatOutput([.notice(line, in: nil), .bell], line: "* " + line))
    }

    /// The user or the policy took an offer: the rest of its batch follows without asking.
    func accept(_ offer: Pending, chat: ChatController) async {
        batches.accepted(offer.offer, from: offer.link)
        await receive(offer, chat: chat)
    }

    /// Receives an accepted file into the downloads directory (the directories of its offered
    /// path under it), unless the same content is already there under that name.
    func receive(_ offer: Pending, chat: ChatController) async {
        let nick = LineOutput.sanitize(await chat.nickname(of: offer.peer))
        let name = LineOutput.sanitize(FileNames.relativePath(offer.offer.name))
        guard running.count < Self.maxTransfers else {
            offer.connection.sendFrameNoWait(.file(.answer(transfer: offer.offer.transfer, accepted: false)))
            await chat.show(.error("\(name) from \(nick): refused, \(Self.maxTransfers) transfers are running"))
            return
        }
        let directory = ([options.downloads] + FileNames.directories(of: offer.offer.name)).joined(separator: "/")
        let batch = offer.offer.batch
        let place = batch.count > 1 ? " (\(batch.index + 1) of \(batch.count))" : ""
        // Quiet for the files of a large batch: a line for the first, the last and failures.
        let loud = batch.count <= 20 || batch.index == 0 || batch.index + 1 == batch.count
        let key = Key(peer: offer.peer, transfer: offer.offer.transfer)
        running[key] = .checking(link: offer.link)
        chat.tasks.spawn { [weak self] in
            // Off the actor: this reads the existing file whole.
            if let existing = PartFile.identical(to: offer.offer, in: directory) {
                await self?.finished(key)
                offer.connection.sendFrameNoWait(.file(.answer(transfer: offer.offer.transfer, accepted: true)))
                offer.connection.sendFrameNoWait(.file(.complete(transfer: offer.offer.transfer)))
                if loud {
                    await chat.show(.notice("\(name) from \(nick)\(place): already here as \(LineOutput.sanitize(existing))"))
                }
                return
            }
            guard let self else { return }
            let receiver: FileReceiver
            do throws(FileProblem) {
                receiver = try FileReceiver(offer: offer.offer, directory: directory, connection: offer.connection)
            } catch {
                await self.finished(key)
                offer.connection.sendFrameNoWait(.file(.cancel(transfer: offer.offer.transfer, reason: .cannotStore)))
                await chat.show(.error("\(name) from \(nick): \(error.description)"))
                return
            }
            // The session may have ended during the check: the receiver ends at once, its part kept.
            if await !self.startReceiving(receiver, key: key, link: offer.link, chat: chat) { receiver.sessionClosed() }
            if loud {
                await chat.show(.notice("receiving \(name)\(place) from \(nick) into \(LineOutput.sanitize(receiver.partPath))"))
            }
            let outcome = await receiver.run()
            await self.finished(key)
            let progress = receiver.progress
            let resumed = receiver.resumedFrom
            switch outcome {
            case .done(let path):
                guard loud else { return }
                let from = resumed > 0 ? " (resumed at \(Self.bytes(resumed)))" : ""
                await chat.show(.notice("received \(name)\(place) from \(nick): \(LineOutput.sanitize(path ?? "")), \(Self.bytes(offer.offer.size)) in \(Self.seconds(progress.elapsed)) s\(from)"))
            case .ended:
                await chat.show(.error("\(name) from \(nick): \(outcome); \(LineOutput.sanitize(receiver.partPath)) kept to resume"))
            }
        }
    }


    /// Starts a receive that was being checked; false when its session ended meanwhile.
    func startReceiving(_ receiver: FileReceiver, key: Key, link: ObjectIdentifier, chat: ChatController) -> Bool {
        guard case .checking = running[key] else { return false }
        started(.receiving(receiver, link: link), key: key, chat: chat)
        return true
    }
}
