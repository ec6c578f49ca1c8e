import Foundation
import Identity
import Net
import Relay
import Session
import Testing
import Wire

@testable import ChatClient

/// Which path each session takes and its round trip, as the user sees them: `/peers` in the chat
/// core, and `PeerProbe` (`parley peers --rtt`) against real sessions and a real relay on
/// loopback.
@Suite("Paths and round trips", .timeLimit(.minutes(1)))
struct PeerPathTests {
    /// The round trip a `/peers` line ends with, in milliseconds ("rtt 0.42 ms").
    static func rtt(in line: String) -> Double? {
        line.firstMatch(of: /rtt (\d+(?:\.\d+)?) ms/).flatMap { Double($0.1) }
    }

    @Test func peersShowsThePathAndRoundTripOfEverySession() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let (relay, relayPort) = try await ChatRelayTests.startRelay()
        let (alice, _) = try await ChatRelayTests.relayPeer("alice", in: temp, port: relayPort)
        let (carol, _) = try await ChatRelayTests.relayPeer("carol", in: temp, port: relayPort)
        let bob = try await ChatPeer("bob", in: temp.path)
        // Bob reaches alice directly; carol reaches her through the relay.
        let (server, port) = try await alice.listen()
        _ = try await bob.connect(to: port)
        try await eventually("bob's session is up") { await bob.chat.connectedPeers.count == 1 }
        try await eventually("carol lists alice") { carol.lines(containing: "1 peer(s) in your network") > 0 }
        await carol.chat.handle(line: "/msg alice over the relay")
        await bob.chat.handle(line: "/msg alice directly")
        try await eventually("both delivered") {
            carol.lines(containing: "delivered to alice") == 1 && bob.lines(containing: "delivered to alice") == 1
        }
        // Alice's answers, acknowledged, measure both sessions' round trips on her side.
        await alice.chat.handle(line: "/msg bob back")
        await alice.chat.handle(line: "/msg carol back")
        try await eventually("delivered to both") {
            alice.lines(containing: "delivered to bob") == 1 && alice.lines(containing: "delivered to carol") == 1
        }

        await alice.chat.handle(line: "/peers")
        var lines: [String] = []
        try await eventually("/peers lists both sessions") {
            lines = alice.display.lines.filter { $0.contains(" rtt ") }
            return lines.count >= 2
        }
        let bobLine = try #require(lines.first { $0.contains("bob ") }, "\(lines)")
        #expect(bobLine.contains("direct 127.0.0.1:"), "\(bobLine)")
        #expect((Self.rtt(in: bobLine) ?? 0) > 0, "\(bobLine)")
        let carolLine = try #require(lines.first { $0.contains("carol ") }, "\(lines)")
        #expect(carolLine.contains("relay 127.0.0.1:\(relayPort) rtt"), "\(carolLine)")
        #expect((Self.rtt(in: carolLine) ?? 0) > 0, "\(carolLine)")

        for peer in [alice, bob, carol] { await peer.chat.quit() }
        await server.close()
        await relay.shutdown()
    }

    @Test func probeMeasuresDirectRelayedAndRacedPathsAndSaysWhyOneIsUnreachable() async throws {
        let (relay, relayPort) = try await ChatRelayTests.startRelay()
        let bob = LocalIdentity.generate(nickname: "bob")
        let carol = LocalIdentity.generate(nickname: "carol")
        let bobCredentials = try SessionCredentials(identity: bob)
        // Bob answers directly and through the relay; carol only through the relay.
        let direct = try await SessionServer.bind(host: "127.0.0.1", port: 0, credentials: bobCredentials) { _ in }
        let directPort = try #require(direct.localAddress?.port)
        var clients: [RelayClient] = []
        for credentials in [bobCredentials, try SessionCredentials(identity: carol)] {
            clients.append(
                try await RelayClient.connect(
                    host: "127.0.0.1", port: relayPort, credentials: credentials, network: Array("lab".utf8)
                ) { _, _ in })
        }
        let me = try SessionCredentials(identity: LocalIdentity.generate(nickname: "alice"))
        let prober = try await RelayClient.connect(
            host: "127.0.0.1", port: relayPort, credentials: me, network: Array("lab".utf8))
        // Room for the three pings under the whole suite's load (5 s was not, once in CI); the
        // probe's deadline is PeerProbeDeadlineTests' subject, not this one's.
        let patience = Duration.seconds(20)
        let probe = PeerProbe(credentials: me, relay: prober, timeout: patience)
        let lanAddress = [Endpoint(host: "127.0.0.1", port: directPort)]
        let targets = [
            PeerProbeTarget(peerID: bob.peerID, nickname: "bob", direct: lanAddress, onRelay: true),
            PeerProbeTarget(peerID: carol.peerID, nickname: "carol", onRelay: true),
            PeerProbeTarget(peerID: bob.peerID, nickname: "bob on the LAN only", direct: lanAddress),
            // Nobody listens there, and the relay does not list it.
            PeerProbeTarget(
                peerID: LocalIdentity.generate(nickname: "dave").peerID, nickname: "dave",
                direct: [Endpoint(host: "127.0.0.1", port: try Self.closedPort())]),
        ]
        let outcomes = await probe.probeAll(targets)
        guard case .reached(.direct, let via, let samples) = outcomes[0] else {
            Issue.record("bob, found both ways: \(outcomes[0])")
            return
        }
        #expect(via == "127.0.0.1:\(directPort)")
        #expect(samples.count == PeerProbe.pings && samples.allSatisfy { $0 > .zero })
        guard case .reached(.relay, let carolVia, let carolSamples) = outcomes[1] else {
            Issue.record("carol, on the relay only: \(outcomes[1])")
            return
        }
        #expect(carolVia == "relay 127.0.0.1:\(relayPort)")
        #expect(carolSamples.count == PeerProbe.pings && (outcomes[1].roundTrip ?? .zero) > .zero)
        if case .reached(let path, _, _) = outcomes[2] {
            #expect(path == .direct)
        } else {
            Issue.record("\(outcomes[2])")
        }
        #expect(
            outcomes[3]
                == .unreachable("connection refused by 127.0.0.1:\(try #require(targets[3].direct.first?.port))"))

        // --path relay: the LAN-only one is unreachable, and says why.
        let relayOnly = PeerProbe(credentials: me, relay: prober, path: .relay, timeout: patience)
        #expect(await relayOnly.probe(targets[2]) == .unreachable("not on the relay (--path relay)"))
        let relayed = await relayOnly.probe(targets[0])
        if case .reached(let path, _, _) = relayed { #expect(path == .relay) } else { Issue.record("\(relayed)") }

        await prober.close()
        for client in clients { await client.close() }
        await direct.close()
        await relay.shutdown()
    }

    /// A loopback port nothing listens on.
    static func closedPort() throws -> Int {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(server, pointer, length)
                return getsockname(server, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// `PeerProbe.attempt`: the open and the deadline are children of the probe's own group; a
/// session that opens after the deadline is handed back (closed) before the probe returns.
@Suite("Peer probe deadline", .timeLimit(.minutes(1)))
struct PeerProbeAttemptTests {
    struct Opened: Error, Equatable {}

    @Test func anOpenAfterTheDeadlineTimesOutAndIsHandedBackBeforeTheProbeEnds() async {
        let late = Locked<[Int]>([])
        // The deadline has passed already; the open ends well after the timer's turn.
        let result = await PeerProbe.attempt(until: .now, timeout: .seconds(2)) { () async throws -> Int in
            try? await Task.sleep(for: .milliseconds(200))
            return 7
        } late: { value in
            late.withLock { $0.append(value) }
        }
        guard case .failure(let error) = result else {
            Issue.record("a late open must not count: \(result)")
            return
        }
        #expect(PeerProbe.reason(error) == "timed out after 2 s")
        #expect(late.withLock { $0 } == [7])
    }

    @Test func anOpenBeforeTheDeadlineDecidesAtOnce() async {
        let late = Locked<[Int]>([])
        // A deadline a minute away (the suite's limit): the timer must not be waited for.
        let opened = await PeerProbe.attempt(until: .now + .seconds(60), timeout: .seconds(60)) {
            5
        } late: { value in
            late.withLock { $0.append(value) }
        }
        #expect((try? opened.get()) == 5)
        let failed = await PeerProbe.attempt(until: .now + .seconds(60), timeout: .seconds(60)) {
            () async throws -> Int in
            throw Opened()
        } late: { _ in
        }
        #expect(throws: Opened.self) { try failed.get() }
        #expect(late.withLock { $0 }.isEmpty)
    }
}
