import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `parley send` exits 0 only once the message is acknowledged, and says why otherwise.
@Suite("parley send")
struct SendCommandTests {
    @Test func exitsZeroOnceAcknowledged() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (bob, port) = try await startListener(home: scratch.home("bob"))
        let result = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:\(port)", "one shot"], home: scratch.home("alice"))
        #expect(result.status == 0)
        #expect(result.stdout.contains("delivered to tester"))
        try await bob.waitForLine(containing: "<tester> one shot")
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    @Test func refusedConnectionExitsThree() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let port = try unusedPort()
        let result = try await ParleyProcess.run(["send", "--to", "127.0.0.1:\(port)", "x"], home: scratch.home("a"))
        #expect(result.status == 3)
        #expect(result.stderr.contains("connection refused by 127.0.0.1:\(port)"))
    }

    @Test func wrongKeyExitsFive() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let (bob, port) = try await startListener(home: scratch.home("bob"))
        let someoneElse = try await ParleyProcess.run(["id", "--json"], home: scratch.home("eve")).stdout
        let fingerprint = try #require(someoneElse.firstMatch(of: /"fingerprint":"([A-Z2-7-]+)"/)?.1)
        let result = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:\(port)", "--expect", String(fingerprint), "secret"],
            home: scratch.home("alice"))
        #expect(result.status == 5)
        #expect(result.stderr.contains("wrong key"))
        #expect(!bob.lines.contains { $0.contains("secret") })

        let bobID = try await ParleyProcess.run(["id", "--json"], home: scratch.home("bob")).stdout
        let bobFingerprint = try #require(bobID.firstMatch(of: /"fingerprint":"([A-Z2-7-]+)"/)?.1)
        let right = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:\(port)", "--expect", String(bobFingerprint).lowercased(), "ok"],
            home: scratch.home("alice"))
        #expect(right.status == 0)
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    @Test func aSilentServerTimesOutWithExitFour() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // A listening socket that completes TCP connections but never speaks.
        let (fd, port) = try silentListener()
        defer { close(fd) }
        let result = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:\(port)", "--timeout", "1", "x"], home: scratch.home("a"))
        #expect(result.status == 4)
        // --timeout bounds the handshake too, not only the acknowledgement: the 1 s limit fired,
        // not the session's own 5 s handshake timeout ("handshake timed out"). Checked by the
        // message rather than the wall clock, which a loaded machine stretches.
        #expect(result.stderr.contains("timed out after 1 s"), "\(result.stderr)")
    }

    @Test func anEmptyOrOversizedMessageIsRefusedBeforeConnecting() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let empty = try await ParleyProcess.run(["send", "--to", "127.0.0.1:9", ""], home: scratch.home("a"))
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("empty"))
        let big = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:9", String(repeating: "x", count: 8193)], home: scratch.home("a"))
        #expect(big.status == 1)
        #expect(big.stderr.contains("limit is 8192"))
    }
}

/// A port nothing listens on (bound, read, then closed).
func unusedPort() throws -> Int {
    let (fd, port) = try silentListener()
    close(fd)
    return port
}

/// A TCP socket listening on 127.0.0.1 with an ephemeral port.
/// A socket bound to a free loopback port and not listening: connecting to the port is refused,
/// and no other process can take the port while the socket stays open (a port merely found free
/// and closed was taken by another test's listener once, which then answered the connect).
func refusingPort() throws -> (Int32, Int) {
    try boundSocket(listening: false)
}

func silentListener() throws -> (Int32, Int) {
    try boundSocket(listening: true)
}

private func boundSocket(listening: Bool) throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw E2EFailure("socket failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0, !listening || listen(fd, 16) == 0 else { throw E2EFailure("bind/listen failed") }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
