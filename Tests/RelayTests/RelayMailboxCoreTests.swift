import Identity
import Session
import Testing
import Wire

@testable import Relay

/// The durable mailbox's rules in the pure core, with the fake clock: `stored` only after the
/// commit, a failed write refused and counted, answers in the order asked, every bound named in
/// its error, and a restart from what the store kept.
@Suite struct RelayMailboxCoreTests {
    static let lab = Array("lab".utf8)
    static let other = Array("other".utf8)

    /// Connects, authenticates (with the identity payload, so the directory remembers it) and
    /// registers `identity` in `network` as client `id`.
    @discardableResult
    static func register(_ core: inout RelayCore, _ id: UInt64, _ identity: LocalIdentity, in network: [UInt8] = lab)
        -> [RelayAction]
    {
        _ = core.connected(id, now: origin)
        core.authenticated(id, as: peerInfo(identity), payload: try! identity.handshakePayload().encode(), now: origin)
        return core.received(.register(network: network), from: id, size: 24, now: origin)
    }

    static func store(_ core: inout RelayCore, from id: UInt64, to peer: LocalIdentity, _ sealed: [UInt8] = [1])
        -> [RelayAction]
    {
        core.received(.store(peer: peer.peerID.bytes, sealed: sealed), from: id, size: 24, now: origin)
    }

    /// A core where bob registered in "lab" and left, and alice (1) is registered.
    static func coreWithBobAway(_ config: RelayConfig = RelayConfig(messageBurst: 100_000)) -> RelayCore {
        var core = RelayCore(config: config)
        register(&core, 9, People.bob)
        _ = core.disconnected(9, now: origin)
        register(&core, 1, People.alice)
        _ = core.takeWrites()
        return core
    }

    @Test func storedIsAnsweredOnlyOnceTheInsertIsCommitted() {
        var core = Self.coreWithBobAway()
        let actions = Self.store(&core, from: 1, to: People.bob, [5, 6])
        #expect(
            actions == [
                .persist([
                    .insert(
                        id: 1, network: Self.lab, recipient: People.bob.peerID.bytes,
                        sender: People.alice.peerID.bytes, sealed: [5, 6])
                ])
            ])
        // Bob comes back before the commit: nothing is handed over that is not on disk.
        let early = Self.register(&core, 2, People.bob)
        #expect(!early.contains(.send(2, .mail(id: 1, sealed: [5, 6]))))
        #expect(core.counters.mailStored == 0)
        // Committed: alice hears `stored`, bob (registered by now) gets it.
        #expect(core.committed(1, ok: true) == [.send(1, .stored), .send(2, .mail(id: 1, sealed: [5, 6]))])
        #expect(core.counters.mailStored == 1)
        #expect(core.committed(1, ok: true).isEmpty)
    }

    @Test func aFailedWriteIsRefusedCountedAndForgotten() {
        var core = Self.coreWithBobAway()
        _ = Self.store(&core, from: 1, to: People.bob)
        #expect(core.storedCount == 1)
        #expect(core.committed(1, ok: false) == [.send(1, .error(code: .storeFailed, circuit: 0))])
        #expect(core.counters[.storeFailed] == 1)
        #expect(core.counters.mailStored == 0)
        #expect(core.storedCount == 0 && core.storedBytes == 0)
        let back = Self.register(&core, 2, People.bob)
        #expect(!back.contains { if case .send(2, .mail) = $0 { true } else { false } })
    }

    @Test func answersAfterAPendingStoreWaitForIt() {
        var core = Self.coreWithBobAway()
        _ = Self.store(&core, from: 1, to: People.bob)
        // `list` and `lookup` after it are answered in the order asked: after `stored`.
        #expect(core.received(.list, from: 1, size: 24, now: origin).isEmpty)
        #expect(core.received(.lookup(peer: People.carol.peerID.bytes), from: 1, size: 24, now: origin).isEmpty)
        _ = Self.store(&core, from: 1, to: People.bob)
        #expect(
            core.committed(1, ok: true) == [
                .send(1, .stored), .send(1, .peers([])), .send(1, .error(code: .peerUnavailable, circuit: 0)),
            ])
        #expect(core.committed(2, ok: false) == [.send(1, .error(code: .storeFailed, circuit: 0))])
        // Nothing waits now: answers go at once again.
        #expect(core.received(.list, from: 1, size: 24, now: origin) == [.send(1, .peers([]))])
    }

    @Test func waitingAnswersAtTheLimitAndOnePast() {
        var core = Self.coreWithBobAway()
        _ = Self.store(&core, from: 1, to: People.bob)
        // The awaited `stored` is one; 255 more fit.
        for _ in 1..<RelayLimits.maxWaitingAnswers {
            #expect(core.received(.list, from: 1, size: 24, now: origin).isEmpty)
        }
        #expect(core.received(.list, from: 1, size: 24, now: origin) == [.disconnect(1, .answersFull)])
    }

    @Test func theAcknowledgementDeletesFromTheStore() {
        var core = Self.coreWithBobAway()
        _ = Self.store(&core, from: 1, to: People.bob, [7])
        _ = core.committed(1, ok: true)
        let back = Self.register(&core, 2, People.bob)
        #expect(back.contains(.send(2, .mail(id: 1, sealed: [7]))))
        #expect(core.received(.mailAck(id: 1), from: 2, size: 32, now: origin) == [.persist([.delete([1])])])
        #expect(core.storedCount == 0)
    }

    @Test func aRestartRestoresCommittedMailAndDropsWhatAgedOut() {
        let state = MailboxState(
            mails: [
                .init(
                    id: 7, network: Self.lab, recipient: People.bob.peerID.bytes, sender: People.alice.peerID.bytes,
                    sealed: [1], age: RelayLimits.maxStoredAge - .seconds(1)),
                .init(
                    id: 8, network: Self.lab, recipient: People.bob.peerID.bytes, sender: People.alice.peerID.bytes,
                    sealed: [2], age: RelayLimits.maxStoredAge),
            ],
            directory: [
                .init(
                    network: Self.lab, peer: People.bob.peerID.bytes,
                    staticKey: Array(People.bob.staticKey.publicKey.rawRepresentation),
                    payload: try! People.bob.handshakePayload().encode(), age: .seconds(60))
            ])
        var core = RelayCore(restoring: state, now: origin)
        #expect(core.takeWrites() == [.persist([.delete([8])])])
        #expect(core.storedCount == 1)
        // The directory came back: bob can be looked up and written to before he returns.
        Self.register(&core, 1, People.alice)
        let lookup = core.received(.lookup(peer: People.bob.peerID.bytes), from: 1, size: 24, now: origin)
        #expect(lookup.first.map { if case .send(1, .identity) = $0 { true } else { false } } == true)
        // New mail gets IDs after the restored ones.
        let stored = Self.store(&core, from: 1, to: People.bob)
        guard case .persist(let writes)? = stored.first else {
            Issue.record("not stored: \(stored)")
            return
        }
        #expect(writes.first?.insertedMail == 9)
        let back = Self.register(&core, 2, People.bob)
        #expect(back.contains(.send(2, .mail(id: 7, sealed: [1]))))
        // The restored mail still expires at its own time: one second left.
        #expect(core.expireMail(now: origin + .seconds(1)) == [.persist([.delete([7])])])
    }
}

/// Every bound on offline mail, at its limit and one past, each named in the error the sender
/// sees; one network full leaves the others their room.
@Suite struct RelayMailboxBoundTests {
    typealias T = RelayMailboxCoreTests

    static func fill(_ core: inout RelayCore, _ count: Int, from id: UInt64, to peer: LocalIdentity, size: Int = 1) {
        for _ in 0..<count {
            let actions = T.store(&core, from: id, to: peer, [UInt8](repeating: 1, count: size))
            guard case .persist(let writes)? = actions.first, let mail = writes.first?.insertedMail else {
                Issue.record("refused: \(actions)")
                return
            }
            _ = core.committed(mail, ok: true)
        }
    }

    static func refusal(_ actions: [RelayAction]) -> RelayErrorCode? {
        if case .send(_, .error(let code, 0))? = actions.first { code } else { nil }
    }

    @Test func perSenderAtTheLimitAndOnePast() {
        var config = RelayConfig(messageBurst: 100_000)
        config.mailbox = .init(perRecipient: 100, perSender: 3)
        var core = T.coreWithBobAway(config)
        T.register(&core, 8, People.carol)
        _ = core.disconnected(8, now: origin)
        Self.fill(&core, 2, from: 1, to: People.bob)
        Self.fill(&core, 1, from: 1, to: People.carol)
        #expect(Self.refusal(T.store(&core, from: 1, to: People.carol)) == .senderQuota)
        #expect(core.counters[.senderQuota] == 1)
        // Another sender is not held back by alice's quota.
        T.register(&core, 3, People.mallory)
        Self.fill(&core, 1, from: 3, to: People.bob)
        #expect(core.storedCount == 4)
    }

    @Test func perNetworkAtTheLimitAndOnePastLeavesOtherNetworksTheirRoom() {
        var config = RelayConfig(messageBurst: 100_000)
        config.mailbox = .init(perRecipient: 100, perSender: 100, perNetwork: 3)
        var core = T.coreWithBobAway(config)
        Self.fill(&core, 3, from: 1, to: People.bob)
        #expect(Self.refusal(T.store(&core, from: 1, to: People.bob)) == .networkQuota)
        #expect(core.counters[.networkQuota] == 1)
        // The finding: one client filled the relay-wide cap and every network's offline mail
        // failed. Here "other" still takes mail.
        T.register(&core, 5, People.carol, in: T.other)
        _ = core.disconnected(5, now: origin)
        T.register(&core, 6, People.mallory, in: T.other)
        Self.fill(&core, 1, from: 6, to: People.carol)
        #expect(core.storedCount == 4)
    }

    @Test func totalCountAndBytesAtTheLimitAndOnePast() {
        var config = RelayConfig(messageBurst: 100_000)
        config.mailbox = .init(perRecipient: 100, perSender: 100, perNetwork: 100, total: 4, totalBytes: 1000)
        var core = T.coreWithBobAway(config)
        Self.fill(&core, 2, from: 1, to: People.bob, size: 500)
        #expect(core.storedBytes == 1000)
        #expect(Self.refusal(T.store(&core, from: 1, to: People.bob)) == .storageFull)
        _ = T.register(&core, 2, People.bob)
        _ = core.received(.mailAck(id: 1), from: 2, size: 32, now: origin)
        _ = core.disconnected(2, now: origin)
        Self.fill(&core, 3, from: 1, to: People.bob, size: 1)
        #expect(core.storedCount == 4)
        #expect(Self.refusal(T.store(&core, from: 1, to: People.bob)) == .storageFull)
        #expect(core.counters[.storageFull] == 2)
    }

    @Test func perRecipientIsStillMailboxFull() {
        var config = RelayConfig(messageBurst: 100_000)
        config.mailbox = .init(perRecipient: 2)
        var core = T.coreWithBobAway(config)
        Self.fill(&core, 2, from: 1, to: People.bob)
        #expect(Self.refusal(T.store(&core, from: 1, to: People.bob)) == .mailboxFull)
        #expect(core.counters[.mailboxFull] == 1)
    }

    @Test func eachErrorSaysWhichBound() {
        let texts = [RelayErrorCode.mailboxFull, .senderQuota, .networkQuota, .storageFull, .storeFailed].map(
            \.description)
        #expect(Set(texts).count == 5)
        #expect(RelayErrorCode(wireValue: 9) == .senderQuota && RelayErrorCode(wireValue: 12) == .storeFailed)
        #expect(!RelayErrorCode.networkQuota.description.contains("recipient"))
    }
}
