import Calls
import ChatModel
import Foundation
import Identity
import Net
import Relay
import Store
import TUI
import Testing
import Wire

@testable import ChatClient
@testable import Session

/// A relayed session moving to the direct path once it works (docs/PROTOCOL.md §14.11): real
/// sessions, a real relay on loopback, and discovery events fed to the chat core as its
/// discovery service would report them.
@Suite("Chat core moving to the direct path", .timeLimit(.minutes(2)))
struct ChatDirectPathTests {
    /// A chat peer with the relay (path auto) and optionally calls, registered on the relay.
    static func peer(
        _ nickname: String, in temp: TempDirectory, relayPort: Int, calls: CallFeature? = nil
    ) async throws -> ChatPeer {
        let identity = LocalIdentity.generate(nickname: nickname)
        let feature = RelayFeature(
            credentials: try SessionCredentials(identity: identity), sessionConfig: SessionConfig(), network: "test",
            configured: nil)
        var options = ChatController.Options()
        options.features = ChatFeatures(calls: calls, relay: feature)
        let peer = try await ChatPeer(nickname, in: temp.path, identity: identity, options: options)
        if let calls { await calls.start(chat: peer.chat) }
        await peer.chat.configurePaths(.auto, headStart: .milliseconds(250))
        try await feature.start(feature.target(Endpoint(host: "127.0.0.1", port: relayPort)), chat: peer.chat)
        try await eventually("\(nickname) is registered", within: 30) {
            peer.lines(containing: "peer(s) in your network") > 0
        }
        return peer
    }

    /// Lets `peer`'s chat dial discovered peers directly; returns where its discovery events
    /// come from. The backoff is shortened (200 ms doubling to 1 s) so that tests see retries.
    static func discovery(for peer: ChatPeer) async throws -> AsyncStream<DiscoveryEvent>.Continuation {
        let (events, continuation) = AsyncStream.makeStream(of: DiscoveryEvent.self)
        let dialer = DirectDialer(credentials: try SessionCredentials(identity: peer.identity), config: SessionConfig())
        await peer.chat.useDiscovery(events: events, service: nil, dialer: dialer)
        await peer.chat.configureDirectPathForTestingOnly(
            initial: .milliseconds(200), maximum: .seconds(1), routeChangeGap: .milliseconds(100))
        return continuation
    }

    /// `peer` as discovery lists it, heard at 127.0.0.1 announcing `port`.
    static func listing(_ peer: ChatPeer, port: Int) -> DiscoveredPeer {
        let address = DiscoveredAddress(host: "127.0.0.1", link: DiscoveryLink(interface: "lo", family: .ipv4))
        return DiscoveredPeer(
            peerID: peer.peerID, nickname: peer.identity.nickname, capabilities: [.text, .voice], ports: [UInt16(port)],
            address: address, addresses: [address], lastSeen: .now(), confirmed: false, instances: 1)
    }

    /// A loopback port nothing listens on: a connection to it is refused.
    static func refusedPort() async throws -> Int {
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: .generate(nickname: "x"))
        ) { _ in }
        let port = try #require(server.localAddress?.port)
        await server.close()
        return port
    }

    /// One session between the two, direct, on each side.
    static func directOnly(_ a: ChatPeer, _ b: ChatPeer) async -> Bool {
        let aPaths = await a.chat.sessionPaths(with: b.peerID)
        let bPaths = await b.chat.sessionPaths(with: a.peerID)
        return aPaths == [.direct] && bPaths == [.direct]
    }

    static func errors(_ peer: ChatPeer) -> [String] {
        peer.display.lines.filter { $0.hasPrefix("! ") }
    }

    /// Texts from `sender` stored in `receiver`'s history of their conversation.
    static func stored(by sender: ChatPeer, at receiver: ChatPeer) throws -> [String] {
        try receiver.store.messages(in: .direct(sender.peerID), limit: 1000).filter { $0.sender == sender.peerID }
            .map(\.text)
    }

    @Test func aRelayedChatMovesToTheDirectPathWithEveryMessageExactlyOnce() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, relayPort) = try await ChatRelayTests.startRelay()
        let bob = try await Self.peer("bob", in: temp, relayPort: relayPort)
        let alice = try await Self.peer("alice", in: temp, relayPort: relayPort)
        let (bobServer, bobPort) = try await bob.listen()
        let discovery = try await Self.discovery(for: alice)

        // Bob is discovered, but the port he announces refuses connections: the relay carries.
        discovery.yield(.added(Self.listing(bob, port: try await Self.refusedPort())))
        try await eventually("alice discovered bob") { alice.lines(containing: "online: bob") == 1 }
        await alice.chat.handle(line: "/msg bob a-first")
        try await eventually("delivered through the relay") { alice.lines(containing: "#1 delivered to bob") == 1 }
        #expect(await alice.chat.sessionPaths(with: bob.peerID) == [.relay])
        #expect(try await relay.snapshot().circuits == 1)
        // The direct path is tried in the background, quietly: one notice, then retries.
        try await eventually("a few direct attempts failed") { await alice.chat.directPath.attempts >= 3 }
        #expect(alice.lines(containing: "direct path to bob not up") == 1, "\(alice.display.lines)")
        #expect(await alice.chat.sessionPaths(with: bob.peerID) == [.relay])

        var fromAlice = ["a-first"]
        var fromBob: [String] = []
        func exchange(_ phase: String, _ count: Int, pause: Duration = .zero) async throws {
            for i in 1...count {
                let a = String(format: "a-\(phase)-%02d", i)
                let b = String(format: "b-\(phase)-%02d", i)
                await alice.chat.handle(line: "/msg bob \(a)")
                await bob.chat.handle(line: "/msg alice \(b)")
                fromAlice.append(a)
                fromBob.append(b)
                if pause > .zero { try await Task.sleep(for: pause) }
            }
        }
        // Just before the direct route is known (not waiting for acknowledgements), while the
        // session moves, and after.
        try await exchange("before", 5)
        discovery.yield(.updated(Self.listing(bob, port: bobPort)))
        try await exchange("during", 20, pause: .milliseconds(5))
        try await eventually("both sides say the session moved") {
            alice.lines(containing: "moved bob to the direct path (rtt ") == 1
                && bob.lines(containing: "moved alice to the direct path (rtt ") == 1
        }
        try await exchange("after", 5)

        try await eventually("everything arrived") {
            try Set(Self.stored(by: alice, at: bob)) == Set(fromAlice)
                && Set(Self.stored(by: bob, at: alice)) == Set(fromBob)
        }
        try await eventually("everything is acknowledged") {
            try alice.store.pendingOutbox(for: bob.peerID).isEmpty && bob.store.pendingOutbox(for: alice.peerID).isEmpty
        }
        // The core shows a message once stored, and a delivery once recorded.
        try await eventually("everything is shown") {
            fromAlice.allSatisfy { !bob.display.shownMessages(containing: $0).isEmpty }
                && fromBob.allSatisfy { !alice.display.shownMessages(containing: $0).isEmpty }
                && (1...fromAlice.count).allSatisfy { alice.lines(containing: "#\($0) delivered to bob (") > 0 }
                && (1...fromBob.count).allSatisfy { bob.lines(containing: "#\($0) delivered to alice (") > 0 }
        }
        try await Task.sleep(for: .milliseconds(100))
        // Exactly once: stored once, shown once, announced delivered once.
        #expect(try Self.stored(by: alice, at: bob).sorted() == fromAlice.sorted())
        #expect(try Self.stored(by: bob, at: alice).sorted() == fromBob.sorted())
        for text in fromAlice { #expect(bob.display.shownMessages(containing: text).count == 1, "\(text)") }
        for text in fromBob { #expect(alice.display.shownMessages(containing: text).count == 1, "\(text)") }
        for number in 1...fromAlice.count {
            #expect(alice.lines(containing: "#\(number) delivered to bob (") == 1, "#\(number)")
        }
        for number in 1...fromBob.count {
            #expect(bob.lines(containing: "#\(number) delivered to alice (") == 1, "#\(number)")
        }
        // Nothing lost, failed or alarming; one session each, direct; the circuit is closed.
        #expect(await alice.chat.failures == 0)
        #expect(await bob.chat.failures == 0)
        #expect(Self.errors(alice).isEmpty, "\(Self.errors(alice))")
        #expect(Self.errors(bob).isEmpty, "\(Self.errors(bob))")
        for peer in [alice, bob] {
            #expect(!peer.display.lines.contains { $0.contains(" left") || $0.contains("closed the session") })
        }
        #expect(alice.lines(containing: "connected: bob") == 1)
        try await eventually("one direct session each") { await Self.directOnly(alice, bob) }
        try await eventually("the relay's circuit is closed") { try await relay.snapshot().circuits == 0 }
        await alice.chat.handle(line: "/peers")
        try await eventually("/peers shows bob direct") { alice.lines(containing: "127.0.0.1:\(bobPort) rtt") == 1 }
        #expect(await alice.chat.core.directPathPeers.isEmpty, "no more attempts")

        await alice.chat.quit()
        await bob.chat.quit()
        await bobServer.close()
        await relay.shutdown()
    }

    @Test func aCallThroughTheRelayCarriesOnAcrossTheMove() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, relayPort) = try await ChatRelayTests.startRelay()
        var aliceOptions = CallEngineOptions()
        aliceOptions.input = .file(ChatCallTests.speech, repeating: true)
        var bobOptions = CallEngineOptions()
        bobOptions.input = .file(ChatCallTests.speech, repeating: true)
        bobOptions.autoAnswer = .answer
        let aliceCalls = CallFeature(options: aliceOptions, statsLineInterval: .seconds(60))
        let bobCalls = CallFeature(options: bobOptions, statsLineInterval: .seconds(60))
        let bob = try await Self.peer("bob", in: temp, relayPort: relayPort, calls: bobCalls)
        let alice = try await Self.peer("alice", in: temp, relayPort: relayPort, calls: aliceCalls)
        let (bobServer, bobPort) = try await bob.listen()
        let discovery = try await Self.discovery(for: alice)
        discovery.yield(.added(Self.listing(bob, port: try await Self.refusedPort())))
        try await eventually("alice discovered bob") { alice.lines(containing: "online: bob") == 1 }

        await alice.chat.perform(.call(nickname: "bob"), in: .room)
        try await eventually("both are in the call") {
            alice.lines(containing: "* in a call with bob") == 1
                && bob.lines(containing: "* in a call with alice") == 1
        }
        #expect(await alice.chat.sessionPaths(with: bob.peerID) == [.relay])
        func received(_ calls: CallFeature) async -> Int { await calls.engine.currentStats?.framesReceived ?? 0 }
        try await eventually("audio flows through the relay") {
            let (a, b) = (await received(aliceCalls), await received(bobCalls))
            return a > 25 && b > 25
        }
        let callID = try #require(await aliceCalls.engine.current?.callID)

        discovery.yield(.updated(Self.listing(bob, port: bobPort)))
        try await eventually("both sides moved") {
            alice.lines(containing: "moved bob to the direct path") == 1
                && bob.lines(containing: "moved alice to the direct path") == 1
        }
        // With the relay's circuit closed, whatever still arrives came on the direct session.
        try await eventually("the relayed sessions are gone") {
            let circuits = try await relay.snapshot().circuits
            let direct = await Self.directOnly(alice, bob)
            return circuits == 0 && direct
        }
        let (aliceBefore, bobBefore) = (await received(aliceCalls), await received(bobCalls))
        try await eventually("audio keeps flowing on the direct path") {
            let (a, b) = (await received(aliceCalls), await received(bobCalls))
            return a > aliceBefore + 25 && b > bobBefore + 25
        }
        #expect(await aliceCalls.engine.current?.callID == callID, "the same call")
        #expect(await bobCalls.engine.current?.callID == callID)
        for peer in [alice, bob] {
            #expect(!peer.display.lines.contains { $0.contains("ended:") }, "\(peer.display.lines)")
            #expect(!peer.display.lines.contains { $0.contains(" left") || $0.contains("closed the session") })
            #expect(Self.errors(peer).filter { !$0.contains("call audio") }.isEmpty, "\(Self.errors(peer))")
        }

        await alice.chat.perform(.hangup, in: .room)
        try await eventually("both end it") {
            alice.lines(containing: "ended: hung up") == 1 && bob.lines(containing: "ended: peer hung up") == 1
        }
        await alice.chat.quit()
        await bob.chat.quit()
        await bobServer.close()
        await relay.shutdown()
    }

    @Test func bothSidesOpeningTheDirectPathAtOnceKeepTheSameOneSession() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, relayPort) = try await ChatRelayTests.startRelay()
        let bob = try await Self.peer("bob", in: temp, relayPort: relayPort)
        let alice = try await Self.peer("alice", in: temp, relayPort: relayPort)
        let (bobServer, bobPort) = try await bob.listen()
        let (aliceServer, alicePort) = try await alice.listen()
        await alice.chat.handle(line: "/msg bob through the relay")
        try await eventually("delivered through the relay") { alice.lines(containing: "#1 delivered to bob") == 1 }
        #expect(await alice.chat.sessionPaths(with: bob.peerID) == [.relay])

        // Each side opens a direct session to the other at the same moment, while messages flow.
        async let fromAlice = alice.connect(to: bobPort)
        async let fromBob = bob.connect(to: alicePort)
        _ = try await (fromAlice, fromBob)
        for i in 1...10 {
            await alice.chat.handle(line: String(format: "/msg bob a-%02d", i))
            await bob.chat.handle(line: String(format: "/msg alice b-%02d", i))
        }

        // Both keep the session the smaller peer ID opened, and only it.
        let aliceIsSmaller = alice.peerID.bytes.lexicographicallyPrecedes(bob.peerID.bytes)
        try await eventually("one direct session each") { await Self.directOnly(alice, bob) }
        #expect(await alice.chat.sessionsOpenedHere(with: bob.peerID) == [aliceIsSmaller])
        #expect(await bob.chat.sessionsOpenedHere(with: alice.peerID) == [!aliceIsSmaller])
        try await eventually("the relay's circuit is closed") { try await relay.snapshot().circuits == 0 }
        try await eventually("everything is acknowledged") {
            try alice.store.pendingOutbox(for: bob.peerID).isEmpty && bob.store.pendingOutbox(for: alice.peerID).isEmpty
        }
        // Acknowledged on receipt; stored and shown once the core handled it.
        try await eventually("everything is stored and shown") {
            let shown = (1...10).allSatisfy { i in
                !bob.display.shownMessages(containing: String(format: "a-%02d", i)).isEmpty
                    && !alice.display.shownMessages(containing: String(format: "b-%02d", i)).isEmpty
            }
            return try shown && Self.stored(by: alice, at: bob).count >= 11
                && Self.stored(by: bob, at: alice).count >= 10
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try Self.stored(by: alice, at: bob).count == 11)
        #expect(try Self.stored(by: bob, at: alice).count == 10)
        for i in 1...10 {
            #expect(bob.display.shownMessages(containing: String(format: "a-%02d", i)).count == 1)
            #expect(alice.display.shownMessages(containing: String(format: "b-%02d", i)).count == 1)
        }
        #expect(alice.lines(containing: "moved bob to the direct path") == 1)
        #expect(bob.lines(containing: "moved alice to the direct path") == 1)
        #expect(await alice.chat.failures == 0)
        #expect(await bob.chat.failures == 0)
        #expect(Self.errors(alice).isEmpty && Self.errors(bob).isEmpty, "\(Self.errors(alice)) \(Self.errors(bob))")

        // The session kept carries on.
        await bob.chat.handle(line: "/msg alice after")
        try await eventually("delivered") { bob.lines(containing: "#11 delivered to alice") == 1 }
        await alice.chat.quit()
        await bob.chat.quit()
        await aliceServer.close()
        await bobServer.close()
        await relay.shutdown()
    }

    /// The peer may close the relayed session (bye, reason moved) before the direct session's
    /// handshake has finished on this side: that is no departure.
    @Test func aPeerThatMovedFirstIsNotReportedAsGone() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, relayPort) = try await ChatRelayTests.startRelay()
        let bob = try await Self.peer("bob", in: temp, relayPort: relayPort)
        let alice = try await Self.peer("alice", in: temp, relayPort: relayPort)
        let (aliceServer, alicePort) = try await alice.listen()
        await alice.chat.handle(line: "/msg bob through the relay")
        try await eventually("delivered through the relay") { alice.lines(containing: "#1 delivered to bob") == 1 }

        await bob.chat.closeSessions(with: alice.peerID, reason: .moved)
        try await eventually("alice's relayed session ended") { await alice.chat.sessionPaths(with: bob.peerID) == [] }
        #expect(!alice.display.lines.contains { $0.contains("bob left") }, "\(alice.display.lines)")
        #expect(Self.errors(alice).isEmpty, "\(Self.errors(alice))")

        // The direct session arrives: it joins quietly and says the session moved.
        _ = try await bob.connect(to: alicePort)
        try await eventually("moved") { alice.lines(containing: "moved bob to the direct path") == 1 }
        #expect(alice.lines(containing: "connected: bob") == 1, "only the first session's")
        await bob.chat.handle(line: "/msg alice direct now")
        try await eventually("delivered") { bob.lines(containing: "#1 delivered to alice") == 1 }
        #expect(alice.display.shownMessages(containing: "direct now").count == 1)
        #expect(await alice.chat.failures == 0)
        await alice.chat.quit()
        await bob.chat.quit()
        await aliceServer.close()
        await relay.shutdown()
    }

    @Test func aPeerPinnedToTheRelayIsNotMoved() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, relayPort) = try await ChatRelayTests.startRelay()
        let bob = try await Self.peer("bob", in: temp, relayPort: relayPort)
        let alice = try await Self.peer("alice", in: temp, relayPort: relayPort)
        let (bobServer, bobPort) = try await bob.listen()
        let discovery = try await Self.discovery(for: alice)
        // Bob is discovered at an address that works, but alice pins him to the relay.
        discovery.yield(.added(Self.listing(bob, port: bobPort)))
        try await eventually("alice discovered bob") { alice.lines(containing: "online: bob") == 1 }
        await alice.chat.handle(line: "/path bob relay")
        await alice.chat.handle(line: "/msg bob pinned")
        try await eventually("delivered through the relay") { alice.lines(containing: "#1 delivered to bob") == 1 }
        discovery.yield(.updated(Self.listing(bob, port: bobPort)))
        // Several backoff periods of the shortened schedule.
        try await Task.sleep(for: .seconds(1))
        #expect(await alice.chat.directPath.attempts == 0)
        #expect(await alice.chat.sessionPaths(with: bob.peerID) == [.relay])
        #expect(await bob.chat.sessionPaths(with: alice.peerID) == [.relay], "bob was never dialed directly")
        #expect(alice.lines(containing: "moved bob") == 0)

        // Unpinned, the same session moves: the pin was what held it.
        await alice.chat.handle(line: "/path bob auto")
        try await eventually("moved") { alice.lines(containing: "moved bob to the direct path") == 1 }
        try await eventually("one direct session") { await alice.chat.sessionPaths(with: bob.peerID) == [.direct] }
        await alice.chat.quit()
        await bob.chat.quit()
        await bobServer.close()
        await relay.shutdown()
    }
}

extension ChatController {
    /// The path of each session with `peer`, established or not, for tests.
    func sessionPaths(with peer: PeerID) -> [PeerRow.Path] {
        sessions.values.filter { $0.peer?.peerID == peer || $0.dialed == peer }.map(\.path)
    }

    /// Closes every session with `peer`, with a bye giving `reason`.
    func closeSessions(with peer: PeerID, reason: ByeReason) async {
        for entry in sessions.values where entry.peer?.peerID == peer { await entry.link.close(reason: reason) }
    }

    /// Whether this side opened each established session with `peer`.
    func sessionsOpenedHere(with peer: PeerID) -> [Bool] {
        sessions.values.filter { $0.peer?.peerID == peer }.map(\.isOutgoing)
    }
}
