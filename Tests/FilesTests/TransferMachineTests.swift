import Foundation
import Files
import Session
import TestSupport
import Testing
import Wire

/// The two transfer machines against each other in memory, with a fake clock: the receiver's
/// "disk" is an array, its checks hash what was written.
@Suite("File transfer machines")
struct TransferMachineTests {
    /// One sender and one receiver wired together; frames pass straight across.
    struct Pair {
        var sender: FileSendMachine
        var receiver: FileReceiveMachine
        let source: [UInt8]
        var disk: [UInt8]
        var now = Instant(nanoseconds: 1_000_000_000)
        var senderEnded: [FileSendAction] = []
        var receiverEnded: [FileReceiveAction] = []
        var saves = 0
        var finished = false
        /// Flips a byte of the next chunk of this piece as it is "sent" (a corrupting sender).
        var corrupt: Set<Int> = []
        /// Pieces corrupted every time they are sent.
        var alwaysCorrupt: Set<Int> = []

        init(_ source: [UInt8], shift: UInt8 = 14, have: [Bool]? = nil, layer: [MerkleHash]? = nil, disk: [UInt8]? = nil) {
            var hasher = PieceHasher(pieceShift: shift)
            source.withUnsafeBytes { hasher.update($0) }
            let (root, hashes) = hasher.finish()
            let offer = FileOffer(transfer: 42, size: UInt64(source.count), pieceShift: shift, root: root, name: "f")
            self.source = source
            sender = FileSendMachine(offer: offer, layer: hashes, now: now)
            receiver = FileReceiveMachine(offer: offer, have: have, layer: layer, now: now)
            self.disk = disk ?? Array(repeating: 0, count: source.count)
        }

        mutating func toSender(_ frames: [FileFrame]) {
            for frame in frames {
                for action in sender.receive(frame, now: now) { senderDid(action) }
            }
        }

        mutating func senderDid(_ action: FileSendAction) {
            switch action {
            case .send(let frame): toReceiver(frame)
            case .ended: senderEnded.append(action)
            }
        }

        mutating func toReceiver(_ frame: FileFrame) { receiverDid(receiver.receive(frame, now: now)) }

        mutating func receiverDid(_ actions: [FileReceiveAction]) {
            for action in actions {
                switch action {
                case .send(let frame): toSender([frame])
                case .write(let piece, let offset, let bytes):
                    let start = piece * receiver.offer.pieceSize + offset
                    disk.replaceSubrange(start..<start + bytes.count, with: bytes)
                case .check(let piece):
                    let start = piece * receiver.offer.pieceSize
                    let hash = disk[start..<start + receiver.offer.length(ofPiece: piece)].withUnsafeBytes {
                        Merkle.pieceHash($0, of: receiver.offer)
                    }
                    receiverDid(receiver.pieceChecked(piece, hash: hash))
                case .saveProgress: saves += 1
                case .finish:
                    finished = true
                    receiverDid(receiver.stored())
                case .ended: receiverEnded.append(action)
                }
            }
        }

        /// The sender's adapter: sends chunks while there are any.
        mutating func pump(limit: Int = 1_000_000) {
            var sent = 0
            while sent < limit, let plan = sender.nextChunk() {
                let start = plan.piece * sender.offer.pieceSize + plan.offset
                var bytes = Array(source[start..<start + plan.count])
                if corrupt.remove(plan.piece) != nil || alwaysCorrupt.contains(plan.piece) { bytes[0] ^= 0xFF }
                toReceiver(.chunk(transfer: 42, piece: UInt32(plan.piece), offset: UInt32(plan.offset), bytes: bytes))
                sent += 1
            }
        }

        mutating func run() {
            receiverDid(receiver.start(now: now))
            pump()
        }
    }

    static func data(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) } }

    @Test(arguments: [0, 1, 5000, 16384, 16385, 100_003])
    func aFileArrivesWholeAndBothSidesEndDone(size: Int) async {
        // On a thread of its own: hashing in a debug build, six sizes at once, held the test
        // process's two cooperative threads for 13 s in a CI dry run, past the deadlines of
        // tests beside it.
        let (identical, finished, receiverDone, senderDone, senderEnded, receiverEnded, received, sent) = await offThePool {
            var pair = Pair(Self.data(size))
            pair.run()
            return (
                pair.disk == pair.source, pair.finished, pair.receiver.phase == .done, pair.sender.phase == .done,
                pair.senderEnded == [.ended(nil, byPeer: true)], pair.receiverEnded == [.ended(nil, byPeer: false)],
                pair.receiver.stats.bytesReceived, pair.sender.stats.bytesSent
            )
        }
        #expect(identical, "the file differs")
        #expect(finished)
        #expect(receiverDone)
        #expect(senderDone)
        #expect(senderEnded)
        #expect(receiverEnded)
        #expect(received == UInt64(size))
        #expect(sent == UInt64(size))
    }

    @Test func theReceiverKeepsAtMostItsWindowRequested() {
        // A window's worth of 64 KiB pieces and four more: the layer first, then a window's worth
        // of requests and no more.
        let pair = Pair([UInt8](repeating: 7, count: FileReceiveMachine.windowBytes + 4 * 65536), shift: 16)
        var (sender, receiver) = (pair.sender, pair.receiver)
        var requests: [FileFrame] = []
        for case .send(let frame) in receiver.start(now: pair.now) {
            for case .send(let answer) in sender.receive(frame, now: pair.now) {
                for case .send(let request) in receiver.receive(answer, now: pair.now) { requests.append(request) }
            }
        }
        #expect(requests.count == FileReceiveMachine.windowBytes >> 16)
        let window = UInt32(FileReceiveMachine.windowBytes >> 16)
        #expect(requests.first == .request(transfer: 42, piece: 0) && requests.last == .request(transfer: 42, piece: window - 1))
        // One piece verified frees one place in the window.
        _ = sender.receive(requests[0], now: pair.now)
        var next: [FileReceiveAction] = []
        while let plan = sender.nextChunk() {
            let start = plan.piece << 16 + plan.offset
            for action in receiver.receive(
                .chunk(transfer: 42, piece: 0, offset: UInt32(plan.offset), bytes: Array(pair.source[start..<start + plan.count])),
                now: pair.now)
            {
                if case .check = action {
                    next = pair.source[0..<65536].withUnsafeBytes { receiver.pieceChecked(0, hash: Merkle.pieceHash($0, of: receiver.offer)) }
                }
            }
        }
        #expect(next == [.saveProgress, .send(.request(transfer: 42, piece: window))])
    }

    @Test func aPieceThatFailsItsHashIsFetchedAgainAndASenderThatKeepsFailingIsDropped() {
        var pair = Pair(Self.data(200_000))
        pair.corrupt = [3]
        pair.run()
        #expect(pair.disk == pair.source ? true : false, "the file differs")
        #expect(pair.receiver.stats.hashFailures == 1)
        #expect(pair.receiver.phase == .done)

        var bad = Pair(Self.data(200_000))
        bad.alwaysCorrupt = [5]
        bad.run()
        #expect(bad.receiver.phase == .ended(.protocolViolation, byPeer: false))
        #expect(bad.senderEnded == [.ended(.protocolViolation, byPeer: true)])
    }

    @Test func aResumedTransferFetchesOnlyWhatIsMissing() {
        let source = Self.data(300_000)
        var first = Pair(source)
        first.receiverDid(first.receiver.start(now: first.now))
        first.pump(limit: 15)  // some pieces, then the session is gone
        first.receiverDid(first.receiver.sessionClosed())
        let have = first.receiver.have
        #expect(have.contains(true) && have.contains(false))
        var second = Pair(source, have: have, layer: first.receiver.layer, disk: first.disk)
        second.run()
        #expect(second.disk == source ? true : false, "the file differs")
        #expect(second.receiver.phase == .done)
        #expect(second.sender.stats.bytesSent < UInt64(source.count))
        // A saved state that does not fit the offer (another file) is not trusted.
        let stranger = FileReceiveMachine(offer: second.receiver.offer, have: have, layer: [Merkle.zero] + first.receiver.layer.dropFirst(), now: first.now)
        #expect(!stranger.have.contains(true))
    }

    @Test func chunksOutsideWhatWasRequestedEndTheTransfer() {
        for bad: FileFrame in [
            .chunk(transfer: 42, piece: 20, offset: 0, bytes: [1]),  // not requested
            .chunk(transfer: 42, piece: 0, offset: 5, bytes: [1]),  // out of order
            .chunk(transfer: 42, piece: 0, offset: 0, bytes: Array(repeating: 1, count: 16385)),  // past the piece
            .hashes(transfer: 42, first: 0, hashes: [Merkle.zero]),  // not asked for
            .request(transfer: 42, piece: 0),  // the sender's side
        ] {
            var pair = Pair(Self.data(100_000))
            pair.receiverDid(pair.receiver.start(now: pair.now))
            pair.receiverDid(pair.receiver.receive(bad, now: pair.now))
            #expect(pair.receiver.phase == .ended(.protocolViolation, byPeer: false), "\(bad)")
            #expect(pair.receiver.stats.violations == 1)
        }
        // Another transfer's frames are not this one's business.
        var pair = Pair(Self.data(100_000))
        pair.receiverDid(pair.receiver.start(now: pair.now))
        #expect(pair.receiver.receive(.chunk(transfer: 41, piece: 20, offset: 0, bytes: [1]), now: pair.now) == [])
    }

    @Test func aBadPieceLayerIsRefused() {
        let source = Self.data(100_000)
        let pair = Pair(source)
        var receiver = pair.receiver
        #expect(receiver.start(now: pair.now) == [
            .send(.answer(transfer: 42, accepted: true)), .send(.hashRequest(transfer: 42, first: 0, count: 7)),
        ])
        // A layer with one hash wrong: it does not lead to the offered root.
        var layer = pair.sender.layer
        layer[2] = Merkle.zero
        #expect(receiver.receive(.hashes(transfer: 42, first: 0, hashes: layer), now: pair.now) == [
            .send(.cancel(transfer: 42, reason: .protocolViolation)), .ended(.protocolViolation, byPeer: false),
        ])
    }

    @Test func aReceiverThatRequestsForeverIsStopped() {
        var pair = Pair(Self.data(20_000))
        pair.toSender([.answer(transfer: 42, accepted: true)])
        // Queued requests are bounded.
        var sender = pair.sender
        for _ in 0..<FileSendMachine.maxQueuedRequests { #expect(sender.receive(.request(transfer: 42, piece: 0), now: pair.now) == []) }
        #expect(sender.receive(.request(transfer: 42, piece: 0), now: pair.now) == [
            .send(.cancel(transfer: 42, reason: .protocolViolation)), .ended(.protocolViolation, byPeer: false),
        ])
        // And so is what one receiver may have sent in all.
        sender = pair.sender
        var served = 0
        while !sender.servedTooMuch {
            _ = sender.receive(.request(transfer: 42, piece: 1), now: pair.now)
            while sender.nextChunk() != nil {}
            served += 1
        }
        // Piece 1 is 3,616 bytes: four times the file and one piece (96,384 bytes) is 27 of them.
        #expect(served == 27)
        #expect(sender.receive(.request(transfer: 42, piece: 9), now: pair.now).first == .send(.cancel(transfer: 42, reason: .protocolViolation)))
    }

    @Test func silenceEndsATransferOnTheFakeClock() {
        var pair = Pair(Self.data(100_000))
        pair.receiverDid(pair.receiver.start(now: pair.now))
        #expect(pair.receiver.tick(now: pair.now + (FileReceiveMachine.stallTimeout - .milliseconds(1))) == [])
        #expect(pair.receiver.tick(now: pair.now + FileReceiveMachine.stallTimeout) == [
            .send(.cancel(transfer: 42, reason: .stalled)), .ended(.stalled, byPeer: false),
        ])
        // The sender, with its requests served and nothing heard: idle, then stalled.
        pair.pump()
        var sender = pair.sender
        #expect(sender.tick(now: pair.now + (FileSendMachine.idleTimeout - .milliseconds(1))) == [])
        #expect(sender.tick(now: pair.now + FileSendMachine.idleTimeout).last == .ended(.stalled, byPeer: false))
    }

    @Test func aRefusedOfferEndsTheSender() {
        var pair = Pair(Self.data(10))
        pair.toSender([.answer(transfer: 42, accepted: false)])
        #expect(pair.senderEnded == [.ended(.refused, byPeer: true)])
        #expect(pair.sender.nextChunk() == nil)
    }
}
