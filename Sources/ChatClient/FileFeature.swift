import ChatModel
import FileTransfer
import Files
import Foundation
import Identity
import Net
import Synchronization
import Wire

/// Who may have files stored without asking.
public enum FileAcceptPolicy: String, Sendable, CaseIterable {
    /// Every offer waits for `/accept` or `/reject`.
    case ask
    /// Offers from peers marked verified (`/verify NICK confirm`) are taken at once, others wait.
    case verified
    /// Every offer is taken at once (an unattended host).
    case any
}

/// What the chat's file transfers need to know.
public struct FileOptions: Sendable {
    public var downloads: String
    public var acceptFrom: FileAcceptPolicy
    /// Offers above this many bytes are never taken without `/accept`.
    public var maxAutoAcceptSize: UInt64

    public init(downloads: String, acceptFrom: FileAcceptPolicy = .ask, maxAutoAcceptSize: UInt64 = 4 << 30) {
        self.downloads = downloads
        self.acceptFrom = acceptFrom
        self.maxAutoAcceptSize = maxAutoAcceptSize
    }

    /// `$XDG_DOWNLOAD_DIR/parley`, or `~/Downloads/parley`.
    public static func defaultDownloads(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DOWNLOAD_DIR"], xdg.hasPrefix("/") { return xdg + "/parley" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/Downloads/parley"
    }
}

/// Files in `parley chat`: `/file NICK PATH` offers a file on the peer's direct session,
/// `/accept` and `/reject` answer offers, and each transfer runs as a task of the chat. Offers
/// are numbered as they come; at most `maxPendingOffers` wait (older ones are refused), and
/// at most `maxTransfers` run at once.
public actor FileFeature: FileCommands {
    public let options: FileOptions
    /// Offers waiting for an answer, bounded: a peer that offers without end pushes out only
    /// its own and others' oldest offers, which are refused.
    public static let maxPendingOffers = 16
    /// Transfers running at once, both directions.
    public static let maxTransfers = 8

    struct Pending {
        var number: Int
        var peer: PeerID
        var link: ObjectIdentifier
        var connection: PeerConnection
        var offer: FileOffer
    }

    struct Key: Hashable {
        var peer: PeerID
        var transfer: TransferID
    }

    enum Running {
        case sending(FileSender, link: ObjectIdentifier)
        case receiving(FileReceiver, link: ObjectIdentifier)
    }

    /// The receivers, also outside the actor: their chunks are handed over on the session's
    /// own task without a switch to this actor (`route`).
    private let receivers = Mutex<[Key: FileReceiver]>([:])
    private var pending: [Pending] = []
    private var nextNumber = 1
    private var running: [Key: Running] = [:]
    /// Counters: offers refused for size or count, frames for no known transfer.
    public private(set) var refusedOffers = 0
    public private(set) var strayFrames = 0

    public init(options: FileOptions) { self.options = options }

    // MARK: Commands

    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async {
        switch command {
        case .file(let nickname, let path):
            await offer(path, to: nickname, in: conversation, chat: chat)
        case .accept(let number):
            guard let index = pendingIndex(number) else {
                await chat.show(.error(number.map { "/accept: no file offer \($0)" } ?? "/accept: no file offer waits", in: conversation))
                return
            }
            let offer = pending.remove(at: index)
            await receive(offer, chat: chat)
        case .reject(let number):
            guard let index = pendingIndex(number) else {
                await chat.show(.error(number.map { "/reject: no file offer \($0)" } ?? "/reject: no file offer waits", in: conversation))
                return
            }
            let offer = pending.remove(at: index)
            offer.connection.sendFrameNoWait(.file(.answer(transfer: offer.offer.transfer, accepted: false)))
            await chat.show(.notice("refused \(LineOutput.sanitize(offer.offer.name)) from \(LineOutput.sanitize(await chat.nickname(of: offer.peer)))"))
        default:
            break
        }
    }

    private func pendingIndex(_ number: Int?) -> Int? {
        guard let number else { return pending.indices.last }
        return pending.firstIndex { $0.number == number }
    }

    private func offer(_ path: String, to nickname: String, in conversation: ConversationID, chat: ChatController) async {
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
        let expanded = (path as NSString).expandingTildeInPath
        await chat.show(.notice("hashing \(LineOutput.sanitize(expanded))…", in: conversation))
        _ = await chat.tasks.spawn { [weak self] in
            let source: SourceFile
            do throws(FileProblem) {
                source = try SourceFile(path: expanded, transfer: .random(in: 1...UInt64.max))
            } catch {
                await chat.show(.error("/file: \(error.description)", in: conversation))
                return
            }
            guard let self else { return }
            let sender = FileSender(source: source, connection: connection)
            await self.started(.sending(sender, link: ObjectIdentifier(connection)), key: Key(peer: peer, transfer: source.offer.transfer))
            // The session may have ended while the file was hashed: the sender would wait for an
            // answer that cannot come.
            if await chat.directConnection(with: peer) !== connection { await sender.sessionClosed() }
            let name = LineOutput.sanitize(source.offer.name)
            await chat.show(.notice("offered \(name) (\(Self.bytes(source.offer.size))) to \(nick); waiting for \(nick) to accept", in: conversation))
            let outcome = await sender.run()
            await self.finished(Key(peer: peer, transfer: source.offer.transfer))
            let progress = await sender.progress
            switch outcome {
            case .done:
                await chat.show(.notice("sent \(name) to \(nick): \(Self.bytes(source.offer.size)) in \(Self.seconds(progress.elapsed)) s", in: conversation))
            case .ended:
                await chat.show(.error("\(name) to \(nick): \(outcome)", in: conversation))
            }
        }
    }

    // MARK: Frames

    /// Hands a frame of a running receive to its receiver at once; false when it is not one.
    nonisolated func route(_ frame: FileFrame, from peer: PeerID) -> Bool {
        guard let receiver = receivers.withLock({ $0[Key(peer: peer, transfer: frame.transfer)] }) else { return false }
        receiver.receive(frame)
        return true
    }

    func received(_ frame: FileFrame, on link: any ChatLink, from peer: PeerID, chat: ChatController) async {
        let key = Key(peer: peer, transfer: frame.transfer)
        if case .offer(let offer) = frame {
            await offered(offer, on: link, from: peer, chat: chat)
            return
        }
        switch running[key] {
        case .sending(let sender, _): await sender.receive(frame)
        case .receiving(let receiver, _): receiver.receive(frame)
        case nil:
            // A cancel for an offer still waiting withdraws it; anything else is stray.
            if case .cancel = frame, let index = pending.firstIndex(where: { $0.peer == peer && $0.offer.transfer == frame.transfer }) {
                let offer = pending.remove(at: index)
                await chat.show(.notice("\(LineOutput.sanitize(offer.offer.name)): withdrawn by the sender"))
            } else {
                strayFrames += 1
            }
        }
    }

    private func offered(_ offer: FileOffer, on link: any ChatLink, from peer: PeerID, chat: ChatController) async {
        guard let connection = link as? PeerConnection else { return }
        let nick = LineOutput.sanitize(await chat.nickname(of: peer))
        let name = LineOutput.sanitize(FileNames.sanitize(offer.name))
        guard !connection.isRelayed else {
            // Files travel on direct sessions only (for now): the sender hears no at once.
            refusedOffers += 1
            connection.sendFrameNoWait(.file(.answer(transfer: offer.transfer, accepted: false)))
            await chat.show(.error("\(nick) offered \(name) through the relay: refused, files travel on direct sessions only"))
            return
        }
        let root = offer.root.prefix(6).map { String(format: "%02x", $0) }.joined()
        let auto: Bool
        switch options.acceptFrom {
        case .ask: auto = false
        case .verified: auto = await chat.isVerified(peer)
        case .any: auto = true
        }
        let entry = Pending(number: nextNumber, peer: peer, link: ObjectIdentifier(connection), connection: connection, offer: offer)
        nextNumber += 1
        if auto, offer.size <= options.maxAutoAcceptSize {
            await chat.show(.notice("\(nick) sends \(name) (\(Self.bytes(offer.size)), root \(root)…): taken, as allowed by --accept-files-from \(options.acceptFrom.rawValue)"))
            await receive(entry, chat: chat)
            return
        }
        pending.append(entry)
        if pending.count > Self.maxPendingOffers {
            let oldest = pending.removeFirst()
            refusedOffers += 1
            oldest.connection.sendFrameNoWait(.file(.answer(transfer: oldest.offer.transfer, accepted: false)))
        }
        await chat.show(
            ChatOutput(
                [.notice("\(nick) offers \(name) (\(Self.bytes(offer.size)), root \(root)…): /accept \(entry.number) or /reject \(entry.number)", in: nil), .bell],
                line: "* \(nick) offers \(name) (\(Self.bytes(offer.size)), root \(root)…): /accept \(entry.number) or /reject \(entry.number)"))
    }

    private func receive(_ offer: Pending, chat: ChatController) async {
        let nick = LineOutput.sanitize(await chat.nickname(of: offer.peer))
        let name = LineOutput.sanitize(FileNames.sanitize(offer.offer.name))
        guard running.count < Self.maxTransfers else {
            offer.connection.sendFrameNoWait(.file(.answer(transfer: offer.offer.transfer, accepted: false)))
            await chat.show(.error("\(name) from \(nick): refused, \(Self.maxTransfers) transfers are running"))
            return
        }
        let receiver: FileReceiver
        do throws(FileProblem) {
            receiver = try FileReceiver(offer: offer.offer, directory: options.downloads, connection: offer.connection)
        } catch {
            offer.connection.sendFrameNoWait(.file(.cancel(transfer: offer.offer.transfer, reason: .cannotStore)))
            await chat.show(.error("\(name) from \(nick): \(error.description)"))
            return
        }
        let key = Key(peer: offer.peer, transfer: offer.offer.transfer)
        running[key] = .receiving(receiver, link: offer.link)
        receivers.withLock { $0[key] = receiver }
        _ = await chat.tasks.spawn { [weak self] in
            let outcome = await receiver.run()
            await self?.finished(key)
            let progress = receiver.progress
            let resumed = receiver.resumedFrom
            switch outcome {
            case .done(let path):
                let from = resumed > 0 ? " (resumed at \(Self.bytes(resumed)))" : ""
                await chat.show(.notice("received \(name) from \(nick): \(LineOutput.sanitize(path ?? "")), \(Self.bytes(offer.offer.size)) in \(Self.seconds(progress.elapsed)) s\(from)"))
            case .ended:
                await chat.show(.error("\(name) from \(nick): \(outcome); \(LineOutput.sanitize(receiver.partPath)) kept to resume"))
            }
        }
        await chat.show(.notice("receiving \(name) from \(nick) into \(LineOutput.sanitize(receiver.partPath))"))
    }

    private func started(_ transfer: Running, key: Key) { running[key] = transfer }
    private func finished(_ key: Key) {
        running[key] = nil
        receivers.withLock { $0[key] = nil }
    }

    func sessionClosed(_ link: any ChatLink) async {
        let id = ObjectIdentifier(link as AnyObject)
        pending.removeAll { $0.link == id }
        for transfer in running.values {
            switch transfer {
            case .sending(let sender, let on) where on == id: await sender.sessionClosed()
            case .receiving(let receiver, let on) where on == id: receiver.sessionClosed()
            default: continue
            }
        }
    }

    func stop() async {
        for transfer in running.values {
            switch transfer {
            case .sending(let sender, _): await sender.cancel()
            case .receiving(let receiver, _): receiver.cancel()
            }
        }
    }

    static func bytes(_ count: UInt64) -> String { FileProgress.text(bytes: count) }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
