import Identity
import Session
import Testing
import Wire

@testable import Relay

@Suite struct OfflineSealTests {
    static let text = Frame.text(id: 42, sentAt: 1_700_000_000_000, text: "while you were out")
    static var bobKey: [UInt8] { Array(People.bob.staticKey.publicKey.rawRepresentation) }

    @Test func sealedToTheRecipientOpensWithTheProvenSender() throws {
        let sealed = try OfflineSeal.seal(Self.text, from: People.credentials(People.alice), to: Self.bobKey)
        #expect(!RelayLoopbackTests.contains(sealed, Array("while you were out".utf8)))
        let (sender, frame) = try OfflineSeal.open(sealed, with: People.bob)
        #expect(sender.peerID == People.alice.peerID)
        #expect(sender.nickname == "alice")
        #expect(frame == Self.text)
    }

    @Test func nobodyElseOpensIt() throws {
        let sealed = try OfflineSeal.seal(Self.text, from: People.credentials(People.alice), to: Self.bobKey)
        #expect(throws: OfflineSeal.OpenError.cannotOpen) { try OfflineSeal.open(sealed, with: People.carol) }
    }

    @Test func anyFlippedBitIsRefused() throws {
        let sealed = try OfflineSeal.seal(Self.text, from: People.credentials(People.alice), to: Self.bobKey)
        for index in [0, 40, sealed.count - 1] {
            var bad = sealed
            bad[index] ^= 0x01
            #expect(throws: OfflineSeal.OpenError.self) { try OfflineSeal.open(bad, with: People.bob) }
        }
    }

    @Test func aSubstitutedRecipientKeyIsCaught() throws {
        let payload = try People.bob.handshakePayload().encode()
        #expect(
            OfflineSeal.verifiedRecipientKey(peer: People.bob.peerID, staticKey: Self.bobKey, payload: payload) != nil)
        let malloryKey = Array(People.mallory.staticKey.publicKey.rawRepresentation)
        #expect(
            OfflineSeal.verifiedRecipientKey(peer: People.bob.peerID, staticKey: malloryKey, payload: payload) == nil)
        let mallorysPayload = try People.mallory.handshakePayload().encode()
        #expect(
            OfflineSeal.verifiedRecipientKey(peer: People.bob.peerID, staticKey: malloryKey, payload: mallorysPayload)
                == nil)
    }
}

@Suite struct RelayMailboxTests {
    static let key = RelayMailbox.Key(network: [1], peer: People.bob.peerID)
    static let sender = People.alice.peerID

    /// Stores and commits: the mail as a recipient would get it.
    static func keep(_ box: inout RelayMailbox, _ sealed: [UInt8], for key: RelayMailbox.Key = key) -> RelayMailbox.Mail? {
        guard case .success(let mail) = box.store(sealed, from: sender, for: key, now: origin) else { return nil }
        return box.committed(mail.id, for: key)
    }

    @Test func perRecipientAtTheLimitAndOnePast() {
        var box = RelayMailbox()
        for _ in 0..<RelayLimits.maxStoredPerRecipient {
            let stored = Self.keep(&box, [1])
            #expect(stored != nil)
        }
        let past = box.store([1], from: Self.sender, for: Self.key, now: origin)
        #expect(past == .failure(.recipient))
        let other = RelayMailbox.Key(network: [1], peer: People.carol.peerID)
        let elsewhere = Self.keep(&box, [1], for: other)
        #expect(elsewhere != nil)
    }

    @Test func totalAtTheLimitAndOnePast() {
        var box = RelayMailbox(limits: .init(total: 3))
        let keys = [People.alice, People.bob, People.carol, People.mallory].map {
            RelayMailbox.Key(network: [], peer: $0.peerID)
        }
        for key in keys.prefix(3) {
            let stored = Self.keep(&box, [1], for: key)
            #expect(stored != nil)
        }
        let past = box.store([1], from: Self.sender, for: keys[3], now: origin)
        #expect(past == .failure(.total))
    }

    @Test func ageAtTheLimit() {
        var box = RelayMailbox()
        _ = Self.keep(&box, [1])
        _ = box.takeWrites()
        let limit = origin + RelayLimits.maxStoredAge
        let before = box.pending(for: Self.key, now: limit + .nanoseconds(-1))
        #expect(before.count == 1)
        let after = box.pending(for: Self.key, now: limit)
        #expect(after.isEmpty)
        #expect(box.total == 0)
        // The expiry is a write for the store, as an acknowledgement is.
        #expect(box.takeWrites() == [.delete([1])])
    }

    @Test func acknowledgedMailIsGoneAndOnlyItsRecipientCanAcknowledgeIt() throws {
        var box = RelayMailbox()
        let mail = try #require(Self.keep(&box, [7]))
        let byStranger = box.acknowledge(mail.id, for: RelayMailbox.Key(network: [1], peer: People.carol.peerID))
        let byRecipient = box.acknowledge(mail.id, for: Self.key)
        let again = box.acknowledge(mail.id, for: Self.key)
        #expect(!byStranger && byRecipient && !again)
        #expect(box.total == 0 && box.bytes == 0 && box.perSender.isEmpty && box.perNetwork.isEmpty)
    }

    @Test func directoryKeepsTheMostRecentIdentities() {
        var box = RelayMailbox(limits: .init(directory: 2))
        let people = [People.alice, People.bob, People.carol]
        for (i, person) in people.enumerated() {
            box.remember(
                .init(network: [], peer: person.peerID), staticKey: [UInt8(i)], payload: [],
                now: origin + .seconds(Int64(i)))
        }
        #expect(box.lookup(.init(network: [], peer: People.alice.peerID)) == nil)
        #expect(box.lookup(.init(network: [], peer: People.carol.peerID))?.staticKey == [2])
        // The eviction is a write for the store too.
        #expect(box.writes.contains(.forget(network: [], peer: People.alice.peerID.bytes)))
    }
}

@Suite struct RelayCoreOfflineTests {
    static let lab = Array("lab".utf8)

    static func register(_ core: inout RelayCore, _ id: UInt64, _ identity: LocalIdentity) -> [RelayAction] {
        _ = core.connected(id, now: origin)
        core.authenticated(id, as: peerInfo(identity), payload: try! identity.handshakePayload().encode(), now: origin)
        return core.received(.register(network: lab), from: id, size: 24, now: origin)
    }

    @Test func storedWhileOfflineHandedOverOnRegisterUntilAcknowledged() throws {
        var core = RelayCore()
        _ = Self.register(&core, 1, People.alice)
        _ = Self.register(&core, 2, People.bob)
        _ = core.disconnected(2, now: origin)
        let lookup = core.received(.lookup(peer: People.bob.peerID.bytes), from: 1, size: 24, now: origin)
        guard case .send(1, .identity(_, let key, let payload))? = lookup.first else {
            Issue.record("no identity: \(lookup)")
            return
        }
        #expect(OfflineSeal.verifiedRecipientKey(peer: People.bob.peerID, staticKey: key, payload: payload) != nil)
        let store = core.received(.store(peer: People.bob.peerID.bytes, sealed: [1, 2]), from: 1, size: 26, now: origin)
        #expect(store.count == 1 && store.first.map { if case .persist = $0 { true } else { false } } == true)
        #expect(core.committed(1, ok: true) == [.send(1, .stored)])
        #expect(core.storedCount == 1)
        let back = Self.register(&core, 3, People.bob)
        #expect(Array(back.prefix(2)) == [.send(3, .registered), .send(3, .mail(id: 1, sealed: [1, 2]))])
        #expect(core.received(.mailAck(id: 1), from: 3, size: 24, now: origin) == [.persist([.delete([1])])])
        #expect(core.storedCount == 0)
    }

    @Test func onlineRecipientGetsTheMailAtOnce() {
        var core = RelayCore()
        _ = Self.register(&core, 1, People.alice)
        _ = Self.register(&core, 2, People.bob)
        _ = core.received(.store(peer: People.bob.peerID.bytes, sealed: [3]), from: 1, size: 25, now: origin)
        #expect(core.committed(1, ok: true) == [.send(1, .stored), .send(2, .mail(id: 1, sealed: [3]))])
    }

    @Test func strangersAndUnknownPeersGetNothing() {
        var core = RelayCore()
        _ = Self.register(&core, 1, People.alice)
        let unknown = core.received(
            .store(peer: People.carol.peerID.bytes, sealed: [1]), from: 1, size: 25, now: origin)
        #expect(unknown == [.send(1, .error(code: .peerUnavailable, circuit: 0))])
        #expect(
            core.received(.lookup(peer: People.carol.peerID.bytes), from: 1, size: 24, now: origin) == [
                .send(1, .error(code: .peerUnavailable, circuit: 0))
            ])
    }
}
