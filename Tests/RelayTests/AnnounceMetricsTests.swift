import Foundation
import Identity
import Logging
import NIOCore
import Relay
import Session
import Testing

@testable import Net

#if canImport(Glibc)
    import Glibc
#endif

/// `parley relay --announce --metrics`: the announcer's counters in `/metrics`. The announcer
/// runs on plain loopback UDP sockets whose destination is another loopback socket (unicast
/// instead of the group), so no multicast, no namespace and no root are needed; the multicast
/// itself is tested in namespaces (NetTests, EndToEndTests).
@Suite("Relay metrics of the LAN announcer", .timeLimit(.minutes(1)))
struct AnnounceMetricsTests {
    /// A UDP socket bound to 127.0.0.1 on a free port: its descriptor and port.
    static func loopbackSocket() throws -> (descriptor: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Discovery on a loopback socket sending to `destination` (a port on 127.0.0.1).
    static func discoverySocket(sendingTo destination: Int) throws -> (DiscoverySocket, port: Int) {
        let (fd, port) = try loopbackSocket()
        let socket = DiscoverySocket(
            descriptor: fd, link: DiscoveryLink(interface: "lo", family: .ipv4), interfaceIndex: 1,
            destination: try SocketAddress(ipAddress: "127.0.0.1", port: destination))
        return (socket, port)
    }

    static func value(_ name: String, port: Int) async throws -> Int? {
        LoadSupport.sample(name, in: try await LoadSupport.metricsOffPool(port: port))
    }

    @Test func theAnnouncersCountersAppearInTheMetricsOnceReported() async throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = try await RelayServer.bind(
            host: "127.0.0.1", port: 0, identity: People.relay, metrics: ("127.0.0.1", 0), logger: quiet)
        Task { try await server.run() }
        let metricsPort = try #require(server.metricsAddress?.port)
        let before = try await LoadSupport.metricsOffPool(port: metricsPort)
        #expect(before.contains("parley_relay_clients "), "the relay's own metrics")
        #expect(!before.contains("parley_relay_announce_"), "nothing of an announcer that is not reported")

        // The listener's query goes to the announcer's socket; the announcer's packets go to the
        // listener's.
        let (listenerFD, listenerPort) = try Self.loopbackSocket()
        let (announcerSocket, announcerPort) = try Self.discoverySocket(sendingTo: listenerPort)
        let announcer = try await RelayAnnouncer.start(
            identity: People.relay, port: try #require(server.localAddress?.port), sockets: [announcerSocket],
            logger: quiet)
        server.report(announcer)
        let listenerSocket = DiscoverySocket(
            descriptor: listenerFD, link: DiscoveryLink(interface: "lo", family: .ipv4), interfaceIndex: 1,
            destination: try SocketAddress(ipAddress: "127.0.0.1", port: announcerPort))
        let listener = try await DiscoveryService.start(
            identity: LocalIdentity.generate(nickname: "watcher"), config: DiscoveryConfig(ports: []),
            sockets: [listenerSocket])

        // The start-up announcement, and the answer to the listener's query, reach the listener.
        // A read of /metrics that a loaded machine cuts short is read again at the next turn.
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let queries = (try? await Self.value("parley_relay_announce_queries_total", port: metricsPort)) ?? 0
            if queries > 0, await !listener.relays().isEmpty { break }
            try #require(ContinuousClock.now < deadline, "the listener hears the relay and the relay its query")
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await listener.relays().first?.peerID == People.relay.peerID)
        let metrics = try await LoadSupport.metricsOffPool(port: metricsPort)
        func sample(_ name: String) -> Int { LoadSupport.sample(name, in: metrics) ?? -1 }
        #expect(sample("parley_relay_announce_links") == 1)
        #expect(sample("parley_relay_announce_packets_sent_total") >= 1, "\(metrics)")
        #expect(sample("parley_relay_announce_datagrams_sent_total") >= 1)
        #expect(sample("parley_relay_announce_bytes_sent_total") > 0)
        #expect(sample("parley_relay_announce_send_errors_total") == 0)
        #expect(sample("parley_relay_announce_datagrams_received_total") >= 1)
        #expect(sample("parley_relay_announce_queries_total") >= 1)
        #expect(sample("parley_relay_announce_ignored_total") == 0)
        #expect(sample("parley_relay_announce_own_total") == 0)
        #expect(sample("parley_relay_announce_drops_total{reason=\"bad-signature\"}") == 0)
        #expect(metrics.contains("# TYPE parley_relay_announce_packets_sent_total counter"))

        // The goodbye is counted too.
        let sent = sample("parley_relay_announce_packets_sent_total")
        await announcer.stop()
        let afterGoodbye = try await Self.value("parley_relay_announce_packets_sent_total", port: metricsPort) ?? 0
        #expect(afterGoodbye > sent)
        await listener.stop()
        await server.shutdown()
    }
}
