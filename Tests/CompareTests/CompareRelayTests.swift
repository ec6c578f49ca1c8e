import Foundation
import Testing

@testable import Lab

#if canImport(Glibc)
    import Glibc
#endif

/// The client/server model's pieces that need no running relay: its start lines read back, its
/// metrics read, the kernel's counters of another process, and the rows they make.
@Suite struct CompareRelayTests {
    @Test func theRelaysStartLinesGiveItsIdentityAndPorts() {
        var info = RelayStartInfo()
        for line in [
            "relay uny32ahufgbxcrwemvo37d3k5woiwalq3zh4tds5xlp3ihe2r6qq", "fingerprint WPGD7-W7NKI-UXDXO-DJCGV-DTTKX",
            "listening on 127.0.0.1:43929",
        ] {
            info.read(line)
        }
        #expect(!info.isComplete, "the metrics line is still missing")
        info.read("2026-11-21T21:35:14+0000 info parley.relay: started")  // not a start line: ignored
        info.read("metrics on http://127.0.0.1:36833/metrics")
        #expect(info.isComplete)
        #expect(
            info
                == RelayStartInfo(
                    peerID: "uny32ahufgbxcrwemvo37d3k5woiwalq3zh4tds5xlp3ihe2r6qq",
                    fingerprint: "WPGD7-W7NKI-UXDXO-DJCGV-DTTKX", port: 43929, metricsPort: 36833))
        #expect(RelayStartInfo.port(of: "[::1]:7000") == 7000)
        #expect(RelayStartInfo.port(of: "10.77.0.4:0") == nil, "port 0 was never bound")
        #expect(RelayStartInfo.port(of: "localhost") == nil)
    }

    @Test func theRelaysMetricsSayWhoTalkedAndHowMuch() throws {
        let text = """
            # HELP parley_relay_clients Client connections open.
            # TYPE parley_relay_clients gauge
            parley_relay_clients 3.0
            parley_relay_circuits_opened_total 3
            parley_relay_frames_forwarded_total 411
            parley_relay_bytes_forwarded_total 46530
            parley_relay_drops_total{reason="rate"} 0
            """
        let view = try #require(RelayView(metrics: text))
        #expect(view == RelayView(sessionPairs: 3, messagesForwarded: 411, bytesForwarded: 46530, clients: 3))
        #expect(RelayView(metrics: "parley_relay_clients 3\n") == nil, "a counter missing is no view")
    }

    @Test func theKernelCountsThisProcessesCPUAndBytes() throws {
        let before = try #require(ProcSample.read(pid: getpid()))
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let bytes = [UInt8](repeating: 7, count: 4000)
        #expect(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == 4000)
        var sink = [UInt8](repeating: 0, count: 4000)
        #expect(sink.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) } == 4000)
        var spin = 0.0
        for i in 0..<2_000_000 { spin += Double(i).squareRoot() }
        let after = try #require(ProcSample.read(pid: getpid()))
        #expect(after.bytesWritten - before.bytesWritten >= 4000)
        #expect(after.bytesRead - before.bytesRead >= 4000)
        #expect(after.cpuSeconds > before.cpuSeconds, "spun \(spin)")
        #expect(ProcSample.read(pid: -1) == nil)
    }

    @Test func connectionsAreTheEstablishedRowsOnTheRelaysPort() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:AC37 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
              14: 0100007F:AC37 0100007F:B7E4 01 00000000:00000000 00:00000000 00000000     0        0 2 2 0 21 4 9 18 -1
              27: 0100007F:B7D0 0100007F:AC37 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 19 18 -1
              34: 0100007F:AC37 0100007F:B7D0 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 20 4 17 18 -1
              35: 0100007F:AC37 0100007F:B7D8 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0 20 4 17 18 -1
            """
        // 0xAC37 = 44087: the listening row, the clients' own ends and a closed one do not count.
        #expect(ProcSample.establishedConnections(table: table, localPort: 44087) == 2)
        #expect(ProcSample.establishedConnections(table: table, localPort: 1) == 0)
        // Longer than a page: read to the end, not just the first 4 KiB.
        let long = ProcSample.text("/proc/self/maps") ?? ""
        let pages = FileManager.default.contents(atPath: "/proc/self/maps")?.count ?? 0
        #expect(long.utf8.count >= pages)
    }

    @Test func theRelaysRowsShowTheAsymmetry() throws {
        let table = CompareFixtures.results(relayMeasured: true).table
        func row(_ name: String) throws -> CompareRow { try #require(table.first { $0.dimension == name }) }
        let after = try row("relay killed: delivered after the kill")
        #expect(after.peerToPeer.value == 100 && after.clientServer.value == 0)
        #expect(try row("relay killed: delivered").clientServer.value == 50)
        #expect(try row("connections, busiest peer").clientServer.value == 1)
        let relay = try row("connections, relay")
        #expect(relay.peerToPeer == .notAvailable && relay.clientServer.value == 3)
        #expect(try row("CPU, relay").clientServer.text == "80.00 ms")
        let sees = try row("what a server sees: session pairs")
        #expect(sees.peerToPeer.value == 0 && sees.clientServer.value == 3)
        #expect(sees.reading.contains("720 sealed messages (90.8 KiB) in one run, never the text"), "\(sees.reading)")
    }
}
