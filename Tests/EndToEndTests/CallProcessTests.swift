import Foundation
import RunSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `parley call` between two real processes over loopback: a file streamed and recorded, and
/// every way a call can fail to happen or end badly, each with its exit status.
@Suite("parley call", .serialized)
struct CallProcessTests {
    static let speech = CallFixtures.assets + "/audio/speech.wav"

    @Test func streamsAFileThatTheHostRecords() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let recording = scratch.path + "/heard.opus"
        let (host, port) = try await startCallHost(
            home: scratch.home("bob"), extra: ["--auto-answer", "--record", recording, "--max-calls", "1", "--json"])
        let caller = try await ParleyProcess.run(
            ["call", "127.0.0.1:\(port)", "--input", Self.speech, "--json"], home: scratch.home("alice"), within: 30)
        #expect(caller.status == 0, "stderr: \(caller.stderr)")
        let sent = try CallFixtures.json(caller.stdout)
        #expect(sent["endReason"] as? String == "hung-up")
        #expect(sent["answered"] as? Bool == true)
        #expect((sent["framesSent"] as? Int ?? 0) > 250, "\(sent)")
        #expect(caller.stderr.contains("ringing") && caller.stderr.contains("call active"))

        #expect(try await host.exitStatus(within: 10) == 0, "--max-calls 1 ends the host; \(host.stderr)")
        let heard = try CallFixtures.json(try #require(host.lines.last { $0.hasPrefix("{") }))
        #expect(heard["endReason"] as? String == "peer-hung-up")
        let received = heard["framesReceived"] as? Int ?? 0
        #expect(received > 250, "\(heard)")
        #expect(heard["framesLost"] as? Int == 0, "no loss on loopback: \(heard)")
        #expect(heard["framesLate"] as? Int == 0, "\(heard)")
        #expect(heard["roundTripMs"] is Double, "\(heard)")
        #expect(heard["recording"] as? String == recording)
        // Every frame the file made arrived (the sender numbers them all).
        #expect(received == sent["framesSent"] as? Int, "sent \(sent), heard \(heard)")

        let info = try CallFixtures.opusinfo(recording)
        #expect(info.status == 0, "opusinfo: \(info.output)")
        let recorded = try #require(CallFixtures.playbackSeconds(info.output), "\(info.output)")
        let input = try CallFixtures.wavSeconds(Self.speech)
        #expect(abs(recorded - input) <= 0.5, "recorded \(recorded) s of a \(input) s input")
    }

    @Test func declinedCallExitsSix() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (host, port) = try await startCallHost(home: scratch.home("bob"), extra: ["--auto-decline"])
        let caller = try await ParleyProcess.run(
            ["call", "127.0.0.1:\(port)", "--json"], home: scratch.home("alice"), within: 20)
        #expect(caller.status == 6, "stderr: \(caller.stderr)")
        let result = try CallFixtures.json(caller.stdout)
        #expect(result["endReason"] as? String == "peer-declined")
        #expect(result["answered"] as? Bool == false)
        #expect(caller.stderr.contains("peer declined"))
        try await host.waitForLine(containing: "ended: declined")
        host.signal(SIGTERM)
        #expect(try await host.exitStatus() == 0)
    }

    @Test func unansweredCallExitsFourAfterTheRingTimeout() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (host, port) = try await startCallHost(home: scratch.home("bob"))
        let started = Date()
        let caller = try await ParleyProcess.run(
            ["call", "127.0.0.1:\(port)", "--ring-timeout", "1.5"], home: scratch.home("alice"), within: 20)
        let elapsed = Date().timeIntervalSince(started)
        #expect(caller.status == 4, "stderr: \(caller.stderr)")
        #expect(caller.stdout.contains("ended: no answer"), "\(caller.stdout)")
        #expect(elapsed >= 1.5, "gave up after \(elapsed) s")
        try await host.waitForLine(containing: "incoming call from tester")
        try await host.waitForLine(containing: "ended: missed call")
        host.signal(SIGTERM)
        _ = try await host.exitStatus()
    }

    @Test func busyHostExitsSeven() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (host, port) = try await startCallHost(home: scratch.home("bob"), extra: ["--auto-answer"])
        let first = try ParleyProcess(
            ["call", "127.0.0.1:\(port)", "--input", Self.speech, "--duration", "3", "--output-device", "null"],
            home: scratch.home("alice"))
        try await host.waitForLine(containing: "call active with")
        let second = try await ParleyProcess.run(
            ["call", "127.0.0.1:\(port)", "--json"], home: scratch.home("carol"), within: 20)
        #expect(second.status == 7, "stderr: \(second.stderr)")
        #expect(try CallFixtures.json(second.stdout)["endReason"] as? String == "peer-busy")
        try await host.waitForLine(containing: "busy: turned away a call from")
        #expect(try await first.exitStatus(within: 20) == 0, "the first call goes on: \(first.stderr)")
        #expect(first.lines.contains { $0.hasPrefix("lasted 3.") }, "--duration 3 ends it: \(first.lines)")
        host.signal(SIGTERM)
        _ = try await host.exitStatus()
    }

    @Test func unreachablePeerExitsThree() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let port = try unusedPort()
        let caller = try await ParleyProcess.run(["call", "127.0.0.1:\(port)"], home: scratch.home("alice"))
        #expect(caller.status == 3)
        #expect(caller.stderr.contains("connection refused"))
    }

    /// The host freezes mid-call (SIGSTOP: its socket stays open, nothing arrives): the caller
    /// notices within the media timeout (5 s), says so, and exits 8.
    @Test func frozenPeerEndsTheCallWithAMediaTimeout() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (host, port) = try await startCallHost(
            home: scratch.home("bob"), extra: ["--auto-answer", "--input", Self.speech])
        // A session peer timeout longer than the media timeout, so the call's own timer fires.
        let caller = try ParleyProcess(
            ["call", "127.0.0.1:\(port)", "--peer-timeout", "30", "--json"], home: scratch.home("alice"))
        try await host.waitForLine(containing: "call active with")
        try await Task.sleep(for: .milliseconds(500))
        host.signal(SIGSTOP)
        let stopped = Date()
        let status = try await caller.exitStatus(within: 15)
        let elapsed = Date().timeIntervalSince(stopped)
        host.signal(SIGKILL)
        host.signal(SIGCONT)
        #expect(status == 8, "stderr: \(caller.stderr)")
        #expect(elapsed < 7, "ended \(elapsed) s after the peer froze")
        let result = try CallFixtures.json(caller.lines.joined())
        #expect(result["endReason"] as? String == "media-timeout")
        #expect((result["framesReceived"] as? Int ?? 0) > 0, "audio flowed before: \(result)")
        #expect(caller.stderr.contains("no audio from the peer"))
    }

    /// The host is killed mid-call: the connection drops and the caller ends at once with exit 8.
    @Test func killedPeerEndsTheCallAsConnectionLost() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (host, port) = try await startCallHost(home: scratch.home("bob"), extra: ["--auto-answer"])
        let caller = try ParleyProcess(
            ["call", "127.0.0.1:\(port)", "--input", Self.speech, "--json"], home: scratch.home("alice"))
        try await host.waitForLine(containing: "call active with")
        host.signal(SIGKILL)
        let killed = Date()
        let status = try await caller.exitStatus(within: 15)
        #expect(status == 8, "stderr: \(caller.stderr)")
        #expect(Date().timeIntervalSince(killed) < 6)
        let reason = try CallFixtures.json(caller.lines.joined())["endReason"] as? String
        #expect(reason == "connection-lost" || reason == "media-timeout", "\(reason ?? "nil")")
    }

    /// Live ALSA devices on the null device: the capture runs through noise suppression, voice
    /// activity and echo cancellation, the playback takes every frame, and the call completes.
    @Test func liveDevicesOnTheNullDevice() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (host, port) = try await startCallHost(
            home: scratch.home("bob"), extra: ["--auto-answer", "--input", Self.speech, "--max-calls", "1"])
        let caller = try await ParleyProcess.run(
            [
                "call", "127.0.0.1:\(port)", "--input-device", "null", "--output-device", "null", "--duration", "1.5",
                "--json",
            ], home: scratch.home("alice"), within: 20)
        #expect(caller.status == 0, "stderr: \(caller.stderr)")
        #expect(!caller.stderr.contains("parley: warning"), "\(caller.stderr)")
        let result = try CallFixtures.json(caller.stdout)
        #expect((result["framesSent"] as? Int ?? 0) > 40, "the microphone's frames went out: \(result)")
        #expect((result["framesReceived"] as? Int ?? 0) > 40, "\(result)")
        #expect(try await host.exitStatus(within: 10) == 0)
    }
}

/// Starts `parley call --listen 127.0.0.1:0` and returns it with its port.
func startCallHost(home: String, extra: [String] = []) async throws -> (ParleyProcess, Int) {
    let host = try ParleyProcess(["call", "--listen", "127.0.0.1:0"] + extra, home: home)
    let line = try await host.waitForLine(containing: "listening on 127.0.0.1:")
    guard let match = line.firstMatch(of: /127\.0\.0\.1:(\d+)/), let port = Int(match.1) else {
        throw E2EFailure("no port in \(line)")
    }
    return (host, port)
}

enum CallFixtures {
    static let assets: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets").path
    }()

    static func json(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw E2EFailure("not a JSON object: \(text)")
        }
        return object
    }

    /// Runs `opusinfo` (Debian opus-tools) on `path`.
    static func opusinfo(_ path: String) throws -> (status: Int32, output: String) {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/opusinfo")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// "Playback length: 0m:05.799s" from opusinfo's output, in seconds.
    static func playbackSeconds(_ output: String) -> Double? {
        guard let match = output.firstMatch(of: /Playback length:\s*(\d+)m:([\d.]+)s/) else { return nil }
        return Double(match.1).flatMap { minutes in Double(match.2).map { minutes * 60 + $0 } }
    }

    /// The duration of a PCM WAV file, from its `fmt ` and `data` chunks.
    static func wavSeconds(_ path: String) throws -> Double {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        var offset = 12
        var byteRate = 0
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            if id == "fmt " { byteRate = u32(offset + 16) }
            if id == "data", byteRate > 0 { return Double(size) / Double(byteRate) }
            offset += 8 + size + (size & 1)
        }
        throw E2EFailure("\(path): no fmt/data chunk")
    }
}
