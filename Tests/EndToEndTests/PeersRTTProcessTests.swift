import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `parley peers --rtt` against real `parley chat` and `parley relay` processes: the path each
/// session took and its round trip.
@Suite("parley peers --rtt")
struct PeersRTTProcessTests {
    /// The round trip at the end of a table line ("0.42 ms"), in milliseconds.
    static func milliseconds(in line: String) -> Double? {
        guard let match = line.firstMatch(of: /(\d+(?:\.\d+)?) ms$/) else { return nil }
        return Double(match.1)
    }

    static func line(_ stdout: String, for nickname: String) -> String? {
        stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix(nickname + " ") }
    }

    /// Through the relay only (`--path relay`: no discovery, so no root needed): one peer
    /// answers and is measured; another, stopped, is reported unreachable within --timeout.
    @Test func relayedPeersAreMeasuredAndAStoppedOneIsUnreachable() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        for name in ["bob", "dave"] {
            _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
        }
        let (relay, port, fingerprint) = try await RelayProcessTests.startRelay(home: scratch.home("relay"))
        let relayArgs = ["--relay", "127.0.0.1:\(port)", "--relay-fingerprint", fingerprint]
        let bob = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("bob"))
        let dave = try ParleyProcess(["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("dave"))
        defer {
            for process in [bob, dave, relay] where process.process.isRunning {
                kill(process.process.processIdentifier, SIGKILL)
            }
        }
        try await bob.waitForLine(containing: "peer(s) in your network")
        try await dave.waitForLine(containing: "peer(s) in your network")
        dave.signal(SIGSTOP)

        let started = Date()
        let run = try await ParleyProcess.run(
            ["peers", "--rtt", "--path", "relay", "--timeout", "1.5"] + relayArgs, home: scratch.home("carol"))
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.range(of: #"^NICKNAME +FINGERPRINT +PATH +RTT$"#, options: .regularExpression) != nil)
        let bobLine = try #require(Self.line(run.stdout, for: "bob"), "\(run.stdout)")
        #expect(bobLine.contains(" relay 127.0.0.1:\(port) "), "\(bobLine)")
        #expect((Self.milliseconds(in: bobLine) ?? 0) > 0, "\(bobLine)")
        let daveLine = try #require(Self.line(run.stdout, for: "dave"), "\(run.stdout)")
        #expect(daveLine.contains(" unreachable "), "\(daveLine)")
        #expect(elapsed < 10, "each peer has --timeout; the run took \(elapsed) s")
        // The probe is a session like any other: bob's chat sees it come and go.
        try await bob.waitForLine(containing: "connected: tester")
        try await bob.waitForLine(containing: "tester left")

        let json = try await ParleyProcess.run(
            ["peers", "--rtt", "--path", "relay", "--json", "--timeout", "1.5"] + relayArgs,
            home: scratch.home("carol"))
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["relay"] as? String == "127.0.0.1:\(port)")
        let peers = try #require(object?["peers"] as? [[String: Any]])
        let bobObject = try #require(peers.first { $0["nickname"] as? String == "bob" })
        #expect(bobObject["path"] as? String == "relay")
        #expect(bobObject["via"] as? String == "relay 127.0.0.1:\(port)")
        #expect((bobObject["roundTrip"] as? Double ?? 0) > 0)
        #expect((bobObject["roundTrips"] as? [Double])?.count == 3)
        #expect(bobObject["onRelay"] as? Bool == true && bobObject["lan"] as? Bool == false)
        let daveObject = try #require(peers.first { $0["nickname"] as? String == "dave" })
        #expect(daveObject["path"] as? String == "unreachable")
        #expect(!(daveObject["error"] as? String ?? "").isEmpty)

        dave.signal(SIGCONT)
        for process in [bob, dave, relay] {
            process.signal(SIGTERM)
            _ = try await process.exitStatus()
        }
    }

    @Test func rttOptionsAreChecked() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let watch = try await ParleyProcess.run(["peers", "--rtt", "--watch"], home: scratch.home("carol"))
        #expect(watch.status == 64 && watch.stderr.contains("--watch and --stats apply only without --rtt"))
        let path = try await ParleyProcess.run(["peers", "--path", "relay"], home: scratch.home("carol"))
        #expect(path.status == 64 && path.stderr.contains("--path applies only with --rtt"))
        let relay = try await ParleyProcess.run(["peers", "--rtt", "--path", "relay"], home: scratch.home("carol"))
        #expect(relay.status == 64 && relay.stderr.contains("--path relay needs --relay"))
    }
}

/// A direct and a relayed peer in one listing, inside a network namespace of its own (discovery
/// on its loopback only).
@Suite(
    "parley peers --rtt, direct and relayed (netns, root)",
    .enabled(if: TestNetns.isAvailable, "skipped: \(TestNetns.unavailableReason ?? "")"))
struct PeersRTTNamespaceTests {
    @Test(.timeLimit(.minutes(1)))
    func aDiscoveredPeerIsMeasuredDirectAndARelayOnlyPeerThroughTheRelay() async throws {
        try await TestNetns.with { netns in
            let scratch = try Scratch()
            defer { scratch.cleanup() }
            for name in ["bob", "carol"] {
                _ = try await ParleyProcess.run(["id", "--nick", name], home: scratch.home(name))
            }
            let relay = try ParleyProcess(
                ["relay", "--listen", "127.0.0.1:0", "--log-level", "warning"], home: scratch.home("relay"),
                launcher: netns.launcher)
            let listening = try await relay.waitForLine(containing: "listening on 127.0.0.1:")
            let port = try #require(Int(listening.split(separator: ":").last ?? ""))
            let relayArgs = ["--relay", "127.0.0.1:\(port)"]
            // Bob is on the LAN and on the relay; carol only on the relay.
            let bob = try ParleyProcess(
                ["chat", "--interface", "lo"] + relayArgs, home: scratch.home("bob"), launcher: netns.launcher)
            let carol = try ParleyProcess(
                ["chat", "--listen", "127.0.0.1:0"] + relayArgs, home: scratch.home("carol"), launcher: netns.launcher)
            defer {
                for process in [bob, carol, relay] where process.process.isRunning {
                    kill(process.process.processIdentifier, SIGKILL)
                }
            }
            let bobListens = try await bob.waitForLine(containing: "* listening on 0.0.0.0:")
            let bobPort = try #require(Int(bobListens.split(separator: ":").last ?? ""))
            try await bob.waitForLine(containing: "peer(s) in your network")
            try await carol.waitForLine(containing: "peer(s) in your network")

            // A head start of 2 s for the direct path: a busy machine must not let the relay win
            // bob's race.
            let rtt = ["peers", "--rtt", "--interface", "lo", "--wait", "1", "--direct-timeout", "2"]
            let run = try await ParleyProcess.run(rtt + relayArgs, home: scratch.home("dave"), launcher: netns.launcher)
            #expect(run.status == 0, "\(run.stderr)")
            let bobLine = try #require(PeersRTTProcessTests.line(run.stdout, for: "bob"), "\(run.stdout)")
            #expect(bobLine.contains(" direct 127.0.0.1:\(bobPort) "), "\(bobLine)")
            #expect((PeersRTTProcessTests.milliseconds(in: bobLine) ?? 0) > 0, "\(bobLine)")
            let carolLine = try #require(PeersRTTProcessTests.line(run.stdout, for: "carol"), "\(run.stdout)")
            #expect(carolLine.contains(" relay 127.0.0.1:\(port) "), "\(carolLine)")
            #expect((PeersRTTProcessTests.milliseconds(in: carolLine) ?? 0) > 0, "\(carolLine)")

            let json = try await ParleyProcess.run(
                rtt + ["--json"] + relayArgs, home: scratch.home("dave"), launcher: netns.launcher)
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let peers = try #require(object?["peers"] as? [[String: Any]], "\(json.stdout) \(json.stderr)")
            let byName = Dictionary(uniqueKeysWithValues: peers.map { ($0["nickname"] as? String ?? "", $0) })
            #expect(byName["bob"]?["path"] as? String == "direct")
            #expect(byName["bob"]?["lan"] as? Bool == true && byName["bob"]?["onRelay"] as? Bool == true)
            #expect(byName["carol"]?["path"] as? String == "relay")
            #expect(peers.allSatisfy { ($0["roundTrip"] as? Double ?? 0) > 0 })
            #expect(object?["links"] as? [String] == ["lo/IPv4"])

            for process in [bob, carol, relay] {
                process.signal(SIGTERM)
                _ = try await process.exitStatus()
            }
        }
    }
}
