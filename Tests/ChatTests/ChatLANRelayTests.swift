import Foundation
import Identity
import Logging
import Net
import Relay
import Session
import Testing
import Wire

@testable import ChatClient

/// Relays announced on the LAN in the chat core, with real relays on loopback. The
/// announcements are fed in as discovery would hand them over (the multicast itself is
/// tested in namespaces: NetTests, EndToEndTests).
@Suite("Chat core and relays announced on the LAN", .timeLimit(.minutes(1)))
struct ChatLANRelayTests {
    struct Relay {
        let server: RelayServer
        let identity: LocalIdentity
        let port: Int
    }

    static func startRelay(_ nickname: String = "relay") async throws -> Relay {
        let identity = LocalIdentity.generate(nickname: nickname)
        let server = try await RelayServer.bind(
            host: "127.0.0.1", port: 0, identity: identity,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        Task { try await server.run() }
        return Relay(server: server, identity: identity, port: try #require(server.localAddress?.port))
    }

    /// What discovery lists for a relay announced by `identity` from 127.0.0.1 at `port`.
    static func announced(_ identity: LocalIdentity, port: Int, at ms: Int = 0) -> DiscoveredRelay {
        let address = DiscoveredAddress(host: "127.0.0.1", link: DiscoveryLink(interface: "lo", family: .ipv4))
        return DiscoveredRelay(
            peerID: identity.peerID, nickname: identity.nickname, ports: [UInt16(port)], address: address,
            addresses: [address], firstSeen: .zero + .milliseconds(ms), lastSeen: .zero + .milliseconds(ms))
    }

    /// A chat peer whose relay feature hears announcements from `events`.
    static func peer(
        _ nickname: String, in temp: TempDirectory, pin: ExpectedPeer? = nil
    ) async throws -> (ChatPeer, RelayFeature, AsyncStream<RelayAnnouncement>.Continuation) {
        let identity = LocalIdentity.generate(nickname: nickname)
        let feature = RelayFeature(
            credentials: try SessionCredentials(identity: identity), sessionConfig: SessionConfig(), network: "test",
            configured: nil, lanPin: pin)
        var options = ChatController.Options()
        options.features = ChatFeatures(relay: feature)
        let peer = try await ChatPeer(nickname, in: temp.path, identity: identity, options: options)
        await peer.chat.configurePaths(.relay, headStart: .milliseconds(250))
        let (events, continuation) = AsyncStream.makeStream(of: RelayAnnouncement.self)
        await feature.lan.watch(events, chat: peer.chat)
        return (peer, feature, continuation)
    }

    @Test func anAnnouncedRelayIsShownOnceAndUsedOnlyWhenAskedWithLan() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let relay = try await Self.startRelay()
        let (alice, _, aliceHears) = try await Self.peer("alice", in: temp)
        let (bob, _, bobHears) = try await Self.peer("bob", in: temp)
        let announcement = Self.announced(relay.identity, port: relay.port)
        for hears in [aliceHears, bobHears] { hears.yield(.added(announcement)) }

        let notice =
            "relay announced on the LAN: relay \(relay.identity.fingerprint) at 127.0.0.1:\(relay.port); to use it: /relay lan"
        try await eventually("alice is told about the relay") { alice.lines(containing: notice) == 1 }
        aliceHears.yield(.updated(announcement))
        try await Task.sleep(for: .milliseconds(200))
        #expect(alice.lines(containing: "relay announced on the LAN") == 1, "once per relay")
        #expect(await !alice.chat.hasRelay, "never used unasked")
        await alice.chat.handle(line: "/relay")
        #expect(alice.lines(containing: "no relay; /relay HOST:PORT") == 1)
        #expect(alice.lines(containing: "relay announced on the LAN: relay \(relay.identity.fingerprint)") == 2)

        for peer in [bob, alice] { await peer.chat.handle(line: "/relay lan") }
        try await eventually("both registered on the announced relay") {
            alice.lines(containing: "(\(relay.identity.fingerprint)): 1 peer(s) in your network") == 1
                || bob.lines(containing: "(\(relay.identity.fingerprint)): 1 peer(s) in your network") == 1
        }
        #expect(alice.lines(containing: "connecting to the relay relay \(relay.identity.fingerprint)") == 1)

        await alice.chat.handle(line: "/msg bob through the LAN relay")
        try await eventually("bob shows it") { !bob.display.shownMessages(containing: "through the LAN relay").isEmpty }
        #expect(
            alice.display.lines.contains {
                $0.contains("connected: bob") && $0.contains("relay 127.0.0.1:\(relay.port)")
            })

        await alice.chat.quit()
        await bob.chat.quit()
        await relay.server.shutdown()
    }

    /// An announcement signed by Mallory's key pointing at the real relay: the link handshake
    /// proves the relay's identity, not Mallory's, and the chat refuses the relay.
    @Test func aSpoofedAnnouncementFailsTheLinkHandshakeWithAClearError() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let relay = try await Self.startRelay()
        let mallory = LocalIdentity.generate(nickname: "relay")
        let (alice, _, hears) = try await Self.peer("alice", in: temp)
        await alice.chat.handle(line: "/relay lan")
        try await eventually("alice waits") { alice.lines(containing: "waiting for a relay to be announced") == 1 }
        hears.yield(.added(Self.announced(mallory, port: relay.port)))
        let refusal =
            "the relay at 127.0.0.1:\(relay.port) proved the identity \(relay.identity.fingerprint), not \(mallory.fingerprint)"
        try await eventually("the relay is refused") { alice.lines(containing: refusal) == 1 }
        #expect(await !alice.chat.hasRelay)
        try await Task.sleep(for: .seconds(1.2))
        #expect(alice.lines(containing: refusal) == 1, "shown once, not at every attempt")
        #expect(await !alice.chat.hasRelay)

        // The real relay's own announcement, heard later, is tried next (Mallory's stays).
        hears.yield(.added(Self.announced(relay.identity, port: relay.port, at: 5)))
        try await eventually("alice uses the real relay", within: 20) {
            alice.lines(containing: "(\(relay.identity.fingerprint)): 0 peer(s) in your network") == 1
        }
        await alice.chat.quit()
        await relay.server.shutdown()
    }

    @Test func withAPinOnlyThePinnedRelayIsUsed() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let first = try await Self.startRelay("first")
        let pinned = try await Self.startRelay("pinned")
        let (alice, feature, hears) = try await Self.peer("alice", in: temp, pin: .peerID(pinned.identity.peerID))
        await feature.useLAN(chat: alice.chat)
        hears.yield(.added(Self.announced(first.identity, port: first.port, at: 1)))
        try await eventually("the other relay is named and not used") {
            alice.lines(containing: "not the one --relay-fingerprint names: not used") == 1
        }
        #expect(await !alice.chat.hasRelay)
        hears.yield(.added(Self.announced(pinned.identity, port: pinned.port, at: 2)))
        try await eventually("the pinned relay is used") {
            alice.lines(containing: "(\(pinned.identity.fingerprint)): 0 peer(s) in your network") == 1
        }
        await alice.chat.quit()
        await first.server.shutdown()
        await pinned.server.shutdown()
    }

    /// The relay in use stops; another is announced: the chat's reconnecting takes it.
    @Test func whenTheRelayInUseGoesAwayTheChatMovesToTheOneAnnouncedThen() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let old = try await Self.startRelay("old")
        let new = try await Self.startRelay("new")
        let (alice, feature, hears) = try await Self.peer("alice", in: temp)
        await feature.useLAN(chat: alice.chat)
        hears.yield(.added(Self.announced(old.identity, port: old.port, at: 1)))
        try await eventually("alice uses the old relay") {
            alice.lines(containing: "(\(old.identity.fingerprint)): 0 peer(s)") == 1
        }
        hears.yield(.added(Self.announced(new.identity, port: new.port, at: 2)))
        try await eventually("a second relay changes nothing but a notice") {
            alice.lines(containing: "staying with the relay in use") == 1
        }

        await old.server.shutdown()
        hears.yield(.removed(Self.announced(old.identity, port: old.port, at: 1), .goodbye))
        try await eventually("alice is told") { alice.lines(containing: "left the LAN (goodbye)") == 1 }
        try await eventually("alice moved to the new relay", within: 20) {
            alice.lines(containing: "(\(new.identity.fingerprint)): 0 peer(s)") == 1
        }
        #expect(alice.lines(containing: "relay 127.0.0.1:\(new.port) is back") == 1)
        await alice.chat.handle(line: "/relay off")
        #expect(await !alice.chat.hasRelay)
        await alice.chat.quit()
        await new.server.shutdown()
    }

    /// `/peers` lists the relays announced on the LAN after the peers, first heard first, and
    /// marks the one in use once the chat uses it.
    @Test func peersListsTheAnnouncedRelaysAndMarksTheOneInUse() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let relay = try await Self.startRelay()
        let other = LocalIdentity.generate(nickname: "other")
        let (alice, feature, hears) = try await Self.peer("alice", in: temp)
        hears.yield(.added(Self.announced(relay.identity, port: relay.port, at: 1)))
        hears.yield(.added(Self.announced(other, port: 7777, at: 2)))
        try await eventually("both relays are heard") { alice.lines(containing: "relay announced on the LAN") == 2 }

        let first = "relay relay \(relay.identity.fingerprint) 127.0.0.1:\(relay.port) seen "
        let second = "relay other \(other.fingerprint) 127.0.0.1:7777 seen "
        await alice.chat.handle(line: "/peers")
        #expect(alice.lines(containing: first) == 1, "\(alice.display.lines)")
        #expect(alice.lines(containing: second) == 1)
        #expect(alice.lines(containing: ", in use") == 0, "no relay in use yet")
        let listed = alice.display.lines.filter { $0.contains(first) || $0.contains(second) }
        #expect(listed.count == 2 && listed[0].contains(first), "first heard first: \(listed)")

        await alice.chat.handle(line: "/relay lan")
        try await eventually("alice uses the relay heard first") {
            alice.lines(containing: "(\(relay.identity.fingerprint)): 0 peer(s) in your network") == 1
        }
        await alice.chat.handle(line: "/peers")
        #expect(alice.lines(containing: first) == 2)
        #expect(alice.lines(containing: second) == 2)
        #expect(alice.display.lines.last { $0.contains(first) }?.hasSuffix(" ago, in use") == true)
        #expect(alice.lines(containing: ", in use") == 1, "only the relay in use is marked")

        // Gone from the LAN: gone from /peers.
        hears.yield(.removed(Self.announced(other, port: 7777, at: 2), .goodbye))
        try await eventually("the goodbye is taken") { await feature.lan.relays.count == 1 }
        await alice.chat.handle(line: "/peers")
        #expect(alice.lines(containing: second) == 2, "not listed again")
        #expect(alice.lines(containing: first) == 3)
        await alice.chat.quit()
        await relay.server.shutdown()
    }

    @Test func relayLanWithoutDiscoveryIsAClearError() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let identity = LocalIdentity.generate(nickname: "alice")
        let feature = RelayFeature(
            credentials: try SessionCredentials(identity: identity), sessionConfig: SessionConfig(), network: "test",
            configured: nil)
        var options = ChatController.Options()
        options.features = ChatFeatures(relay: feature)
        let alice = try await ChatPeer("alice", in: temp.path, identity: identity, options: options)
        await alice.chat.handle(line: "/relay lan")
        #expect(alice.lines(containing: "/relay lan: LAN discovery is not running") == 1)
        #expect(await feature.lan.mode == .notify)
        await alice.chat.quit()
    }
}

/// `LANRelay.choose`: which announced relay a client uses.
@Suite("Choosing an announced relay")
struct LANRelayChoiceTests {
    static func relay(_ id: LocalIdentity, heard ms: Int) -> DiscoveredRelay {
        ChatLANRelayTests.announced(id, port: 7777, at: ms)
    }

    @Test func theFirstHeardThenTheOneInUseThenOnlyThePinnedOne() {
        let a = LocalIdentity.generate(nickname: "a")
        let b = LocalIdentity.generate(nickname: "b")
        let relays = [Self.relay(b, heard: 5), Self.relay(a, heard: 9)]
        #expect(LANRelay.choose([], pinned: nil) == nil)
        #expect(LANRelay.choose(relays, pinned: nil)?.peerID == b.peerID, "heard first")
        #expect(LANRelay.choose(relays, pinned: nil, current: a.peerID)?.peerID == a.peerID, "the one in use")
        #expect(LANRelay.choose(relays, pinned: .peerID(a.peerID))?.peerID == a.peerID)
        #expect(LANRelay.choose(relays, pinned: .fingerprint(a.fingerprint.characters))?.peerID == a.peerID)
        #expect(LANRelay.choose(relays, pinned: .peerID(a.peerID), current: b.peerID)?.peerID == a.peerID)
        #expect(LANRelay.choose([Self.relay(b, heard: 1)], pinned: .peerID(a.peerID)) == nil)
        // Heard at the same moment: by peer ID, so every client picks the same.
        let tie = [Self.relay(a, heard: 3), Self.relay(b, heard: 3)]
        let expected = a.peerID.description < b.peerID.description ? a.peerID : b.peerID
        #expect(LANRelay.choose(tie, pinned: nil)?.peerID == expected)
        #expect(LANRelay.choose(tie.reversed(), pinned: nil)?.peerID == expected)
    }

    @Test func noRelayHeardIsExplained() {
        let link = DiscoveryLink(interface: "lo", family: .ipv4)
        #expect(
            LANRelay.notFound([], pinned: nil, links: [link], wait: .seconds(3))
                == "no relay announced on the LAN (lo/IPv4) within 3 s")
        let other = LocalIdentity.generate(nickname: "other")
        let text = LANRelay.notFound(
            [Self.relay(other, heard: 0)], pinned: .peerID(other.peerID), links: [link], wait: .seconds(3))
        #expect(text.contains("--relay-fingerprint") && text.contains(other.fingerprint.description))
    }
}
