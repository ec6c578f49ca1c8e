import ChatModel
import Foundation
import Identity
import Net
import Store
import Testing
import Wire

@testable import ChatClient
@testable import Session

/// Issue 14, items 10 and 11, against the chat core over real loopback sessions and real
/// stores: fake discovered peers must not steer our connections or leave outbox rows, and a
/// peer renaming itself thousands of times must not squat names.
@Suite("Chat core against fake peers and name squatting", .timeLimit(.minutes(1)))
struct ChatHostilePeersTests {
    /// Counts the connections a server accepted: where fake announcements point.
    final class Accepted: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    /// A session server with an identity of its own ("mallory's"): every fake announcement
    /// points at it, so a dial gets a TCP connection and then fails its handshake (the key is
    /// not the announced one).
    static func attackerServer(_ accepted: Accepted) async throws -> (SessionServer, Int) {
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: .generate(nickname: "mallory"))
        ) { connection in
            accepted.add()
            Task { _ = await connection.closed() }
        }
        return (server, try #require(server.localAddress?.port))
    }

    static func listing(_ id: PeerID, nickname: String, port: Int, confirmed: Bool = true) -> DiscoveredPeer {
        let address = DiscoveredAddress(host: "127.0.0.1", link: DiscoveryLink(interface: "lo", family: .ipv4))
        return DiscoveredPeer(
            peerID: id, nickname: nickname, capabilities: [.text], ports: [UInt16(port)], address: address,
            addresses: [address], lastSeen: .now(), confirmed: confirmed, instances: 1)
    }

    static func discovery(for peer: ChatPeer) async throws -> AsyncStream<DiscoveryEvent>.Continuation {
        let (events, continuation) = AsyncStream.makeStream(of: DiscoveryEvent.self)
        let dialer = DirectDialer(credentials: try SessionCredentials(identity: peer.identity), config: SessionConfig())
        await peer.chat.useDiscovery(events: events, service: nil, dialer: dialer)
        return continuation
    }

    /// Ten fresh keys announced, every one pointing at the attacker's port.
    static func announceFakes(_ count: Int, port: Int, into events: AsyncStream<DiscoveryEvent>.Continuation) {
        for n in 0..<count {
            events.yield(
                .added(listing(LocalIdentity.generate(nickname: "fake\(n)").peerID, nickname: "fake\(n)", port: port)))
        }
    }

    @Test func aRoomLineWithOnlyUnprovenPeersWritesNoOutboxRowAndDialsAtMostTheBound() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let accepted = Accepted()
        let (attacker, port) = try await Self.attackerServer(accepted)
        defer { Task { await attacker.close() } }
        let alice = try await ChatPeer("alice", in: temp.path)
        let events = try await Self.discovery(for: alice)
        Self.announceFakes(10, port: port, into: events)
        try await eventually("all ten are listed") { await alice.chat.discovered.count == 10 }

        await alice.chat.perform(.text("hello, room"), in: .room)
        #expect(alice.display.lines.contains("* #1 waits for a peer"))
        #expect(try alice.store.peersWithPendingMessages().isEmpty, "no outbox row for an unproven peer")
        // In the history at once (durable), with no recipient until a peer is proven.
        #expect(try alice.store.messages(in: .lan, limit: 10).map(\.text) == ["hello, room"])
        // Every dial out fails its handshake (the wrong key answers): each is a notice, none
        // a failure, and no more than the bound went out for the line.
        let bound = ChatController.maxDialsInFlight
        try await eventually("the dials end") {
            alice.display.lines.count { $0.contains("nothing was waiting for it") } == bound
        }
        #expect(accepted.count == bound)
        #expect(await alice.chat.provingDialsSkipped == 10 - bound)
        #expect(await alice.chat.failures == 0)
        #expect(await alice.chat.dialing.isEmpty)
        #expect(try alice.store.peersWithPendingMessages().isEmpty)
        await alice.chat.quit()
    }

    @Test func aRoomLineGoesToProvenPeersOnlyWhileFakesAreAround() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let accepted = Accepted()
        let (attacker, attackerPort) = try await Self.attackerServer(accepted)
        defer { Task { await attacker.close() } }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        // Alice met bob before: his key is pinned.
        _ = try alice.store.check(peerID: bob.peerID, nickname: "bob")
        await alice.chat.start()
        let (server, bobPort) = try await bob.listen()
        defer { Task { await server.close() } }
        let events = try await Self.discovery(for: alice)
        Self.announceFakes(10, port: attackerPort, into: events)
        events.yield(.added(Self.listing(bob.peerID, nickname: "bob", port: bobPort)))
        try await eventually("all are listed") { await alice.chat.discovered.count == 11 }

        await alice.chat.perform(.text("hello, bob"), in: .room)
        let stored = try #require(try alice.store.messages(in: .lan, limit: 10).first)
        #expect(try alice.store.recipients(ofMessage: stored.id).map(\.peerID) == [bob.peerID])
        try await eventually("bob shows it") { !bob.display.shownMessages(containing: "hello, bob").isEmpty }
        // Bob was dialed first; the fakes got what the bound left, and no row.
        try await eventually("the fakes' dials end") {
            alice.display.lines.count { $0.contains("nothing was waiting for it") } == accepted.count
        }
        #expect(accepted.count <= ChatController.maxDialsInFlight - 1)
        // Bob acknowledges once his store has it: then alice's outbox is empty (no fake's row).
        try await eventually("bob's acknowledgement empties the outbox") {
            (try? alice.store.peersWithPendingMessages().isEmpty) == true
        }
        #expect(await alice.chat.failures == 0)
        await alice.chat.quit()
        await bob.chat.quit()
    }

    /// 5,003 nickname frames from one session, the first of them "carol": the flood gets the
    /// allowance, its key keeps at most the bound of pins, and the real carol, who comes next,
    /// is welcome: no key-change warning, her message shown.
    @Test func aNicknameFloodPinsAtMostTheBoundAndTheRealOwnerKeepsHerName() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let bob = try await ChatPeer("bob", in: temp.path)
        let (server, port) = try await bob.listen()
        defer { Task { await server.close() } }
        let mallory = LocalIdentity.generate(nickname: "mallory")
        let flood = try await SessionConnector.connect(
            host: "127.0.0.1", port: port, credentials: try SessionCredentials(identity: mallory))
        _ = try await flood.established()
        try await flood.sendNickname("carol")
        for n in 0..<5002 { try await flood.sendNickname("m\(n)") }
        _ = try await flood.send("flood over")
        // Frames are handled in order: once the text is shown, every rename was looked at.
        try await eventually("bob shows the flood's last text", within: 30) {
            !bob.display.shownMessages(containing: "flood over").isEmpty
        }
        let pins = try bob.store.pinnedNicknames(of: mallory.peerID)
        #expect(pins.count <= ParleyStore.maxPinnedNicknamesPerPeer)
        #expect(!pins.contains("carol"), "carol was released: \(pins)")
        let taken = bob.display.lines.count { $0.contains(" is now ") }
        #expect(taken >= NicknameChangeAllowance.burst && taken <= NicknameChangeAllowance.burst + 1)
        let ignored = await bob.chat.renamesIgnored
        #expect(ignored >= 1 && ignored + taken <= 5003)
        #expect(bob.display.lines.count { $0.contains("changes its nickname too often") } == 1)

        let carol = try await ChatPeer("carol", in: temp.path)
        _ = try await carol.connect(to: port)
        try await eventually("carol is connected") { await bob.chat.connectedPeers.contains(carol.peerID) }
        await carol.chat.perform(.text("it is me, carol"), in: .room)
        try await eventually("bob shows her message") { !bob.display.shownMessages(containing: "it is me").isEmpty }
        #expect(!bob.display.lines.contains { $0.contains("WARNING") })
        #expect(try bob.store.knownPeer(nickname: "carol")?.peerID == carol.peerID)
        await flood.close()
        await carol.chat.quit()
        await bob.chat.quit()
    }

    /// Issue 14, item 12: a right-to-left override in a peer's text no longer reaches the
    /// terminal in line mode (the full-screen client already dropped it).
    @Test func lineOutputDropsBidirectionalControls() {
        for value in [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C] {
            let control = String(Unicode.Scalar(UInt32(value))!)
            #expect(LineOutput.sanitize("ab" + control + "cd") == "abcd", "U+\(String(value, radix: 16))")
        }
        let line = LineOutput.messageLine(
            from: "mal\u{202E}lory", text: "txt.exe\u{202E}fdp.", at: Date(timeIntervalSince1970: 0))
        #expect(!line.unicodeScalars.contains { Nickname.isBidiControl($0) })
        #expect(line.hasSuffix("<mallory> txt.exefdp."))
        // What stays: joiners, newlines, tabs; controls still become U+FFFD.
        #expect(LineOutput.sanitize("👩\u{200D}💻\n\tx\u{1B}") == "👩\u{200D}💻\n\tx\u{FFFD}")
    }
}
