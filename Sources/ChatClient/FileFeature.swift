import ChatModel
import FileTransfer
import Files
import Identity
import Net
import Session
import Synchronization
import Wire

/// Files in `parley chat`: `/file NICK PATH…` offers files on the peer's direct session,
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
        /// Accepted; the receiver is looking for the same content under the same name.
        case checking(link: ObjectIdentifier)
    }

    /// The receivers, also outside the actor: their chunks are handed over on the session's
    /// own task without a switch to this actor (`route`).
    let receivers = Mutex<[Key: FileReceiver]>([:])
    var pending: [Pending] = []
    var nextNumber = 1
    var running: [Key: Running] = [:]
    /// The number `/files` and `/cancel` give each running transfer, in the order they started.
    var numbers: [Key: Int] = [:]
    var nextTransferNumber = 1
    /// Offer questions a peer may raise: 8 at once, then one every 5 s; past that its offers
    /// are refused (answer 0) and counted, with one line saying so until it slows down.
    public static let offerRate = 0.2
    public static let offerBurst = 8
    var offerGate = RateLimiter<PeerID>(rate: FileFeature.offerRate, burst: FileFeature.offerBurst, capacity: 256)
    /// Peers told that their offers are refused for now.
    var quieted: Set<PeerID> = []
    /// Whether the status bar's progress is being drawn (a task while transfers run).
    var ticking = false
    /// The batches accepted, by session: their later files are taken without asking.
    var batches = FileBatchBook<ObjectIdentifier>()
    /// Counters: offers refused for size or count, frames for no known transfer.
    public internal(set) var refusedOffers = 0
    public internal(set) var strayFrames = 0

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
            await accept(offer, chat: chat)
        case .files:
            await list(in: conversation, chat: chat)
        case .cancelTransfer(let number):
            let chosen = number.map { n in numbers.first { $0.value == n }?.key } ?? numbers.max { $0.value < $1.value }?.key
            guard let key = chosen, let transfer = running[key] else {
                await chat.show(.error(number.map { "/cancel: no file transfer \($0)" } ?? "/cancel: no file transfer runs", in: conversation))
                return
            }
            // The transfer's own task says how it ended; the receiver keeps what it verified.
            switch transfer {
            case .sending(let sender, _): await sender.cancel()
            case .receiving(let receiver, _): receiver.cancel()
            case .checking: break
            }
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

    func pendingIndex(_ number: Int?) -> Int? {
        guard let number else { return pending.indices.last }
        return pending.firstIndex { $0.number == number }
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
        case .checking: strayFrames += 1
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

    func started(_ transfer: Running, key: Key, chat: ChatController) {
        running[key] = transfer
        if numbers[key] == nil {
            numbers[key] = nextTransferNumber
            nextTransferNumber += 1
        }
        if case .receiving(let receiver, _) = transfer { receivers.withLock { $0[key] = receiver } }
        guard !ticking else { return }
        ticking = true
        // The status bar's sum of the transfers, once a second while any runs.
        chat.tasks.spawn { [weak self] in
            while !Task.isCancelled {
                guard let feature = self, await feature.showProgress(chat) else { return }
                try? await Task.sleep(for: Self.progressInterval)
            }
        }
    }

    func finished(_ key: Key) {
        running[key] = nil
        numbers[key] = nil
        receivers.withLock { $0[key] = nil }
    }

    func sessionClosed(_ link: any ChatLink) async {
        let id = ObjectIdentifier(link as AnyObject)
        pending.removeAll { $0.link == id }
        batches.forget(id)
        for (key, transfer) in running {
            if case .checking(let on) = transfer, on == id { running[key] = nil }
        }
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
            case .checking: continue
            }
        }
    }

    static func bytes(_ count: UInt64) -> String { FileProgress.text(bytes: count) }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
