// benchmark-requires: root
// (every socket is opened in a network namespace the benchmark process creates; ../../run.sh reads these two lines)

// LAN discovery benchmarks: how long until every peer sees every other when N peers start
// together, and how many bytes a peer sends a second once things are quiet.
//
// Every socket is opened inside a network namespace private to the benchmark process (root;
// see PrivateNetwork), on its loopback: no multicast reaches the machine's interfaces. Targets
// are checked by ../../discovery.sh.

import Benchmark
import Foundation
import Identity
import Net
import Session
import Wire

let benchmarks: @Sendable () -> Void = {
    /// One iteration = N peers start together; the time from the first start until the last
    /// peer lists all the others. Setup and teardown of each iteration are not measured.
    for (n, iterations) in [(2, 100), (8, 60), (32, 40)] {
        Benchmark(
            "Discovery: \(n) peers start, until all see all",
            configuration: .init(
                metrics: [.wallClock], timeUnits: .milliseconds, warmupIterations: 2, maxDuration: .seconds(60),
                maxIterations: iterations)
        ) { benchmark, network in
            do {
                try await converge(peers: n, in: network, benchmark: benchmark)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: {
            try await PrivateNetwork.make()
        }
    }

    /// The idle budget, exactly: peers with the default settings in memory, one simulated hour.
    Benchmark(
        "Discovery: idle traffic, default settings, simulated hour",
        configuration: .init(
            metrics: [.custom("payload B/s per peer and link"), .custom("IPv4 wire B/s per peer and link")],
            warmupIterations: 0, maxIterations: 1)
    ) { benchmark in
        let (payload, wire) = simulatedIdleTraffic(peers: 8, hours: 1)
        benchmark.measurement(.custom("payload B/s per peer and link"), Int(payload.rounded()))
        benchmark.measurement(.custom("IPv4 wire B/s per peer and link"), Int(wire.rounded()))
        print(String(format: "idle, simulated: %.2f B/s payload, %.2f B/s with IPv4 and UDP headers", payload, wire))
    }

    /// The same on real sockets: 8 peers at the default interval, bytes written during 30 s
    /// once the start-up packets are out.
    Benchmark(
        "Discovery: idle traffic, 8 peers on real sockets, 30 s",
        configuration: .init(
            metrics: [.custom("payload B/s per peer and link")], warmupIterations: 0, maxDuration: .seconds(90),
            maxIterations: 1)
    ) { benchmark, network in
        do {
            let rate = try await measuredIdleTraffic(peers: 8, seconds: 30, in: network)
            benchmark.measurement(.custom("payload B/s per peer and link"), Int(rate.rounded()))
            print(String(format: "idle, real sockets: %.2f B/s payload per peer", rate))
        } catch {
            benchmark.error("\(error)")
        }
    } setup: {
        try await PrivateNetwork.make()
    }
}

enum Peers {
    /// Made once: key generation is not what is measured.
    static let identities = (0..<32).map { LocalIdentity.generate(nickname: "peer\($0)") }
}

/// Starts `peers` discovery instances at once on the namespace's loopback and waits until each
/// lists all the others.
func converge(peers n: Int, in network: PrivateNetwork, benchmark: Benchmark) async throws {
    var sockets: [[DiscoverySocket]] = []
    for _ in 0..<n {
        sockets.append(try await network.run { try DiscoverySocket.openAll(interfaces: .named(["lo"])) })
    }
    benchmark.startMeasurement()
    let services = try await withThrowingTaskGroup(of: DiscoveryService.self) { group in
        for (index, set) in sockets.enumerated() {
            group.addTask {
                try await DiscoveryService.start(
                    identity: Peers.identities[index], config: DiscoveryConfig(ports: [UInt16(20000 + index)]),
                    sockets: set)
            }
        }
        var started: [DiscoveryService] = []
        for try await service in group { started.append(service) }
        return started
    }
    await withTaskGroup(of: Void.self) { group in
        for service in services {
            group.addTask {
                var seen = Set<PeerID>()
                for await event in service.events {
                    if case .added(let peer) = event { seen.insert(peer.peerID) }
                    if seen.count == n - 1 { return }
                }
            }
        }
    }
    benchmark.stopMeasurement()
    for service in services { await service.stop() }
}

/// Bytes per second each peer writes per link while idle, on real sockets.
func measuredIdleTraffic(peers n: Int, seconds: Int, in network: PrivateNetwork) async throws -> Double {
    var services: [DiscoveryService] = []
    for index in 0..<n {
        let set = try await network.run { try DiscoverySocket.openAll(interfaces: .named(["lo"])) }
        services.append(
            try await DiscoveryService.start(
                identity: Peers.identities[index], config: DiscoveryConfig(ports: [UInt16(20000 + index)]),
                sockets: set))
    }
    // Past the start-up query, the answers and the repeat one second later.
    try await Task.sleep(for: .seconds(2))
    var before = 0
    for service in services { before += await service.traffic().bytes }
    try await Task.sleep(for: .seconds(seconds))
    var after = 0
    for service in services { after += await service.traffic().bytes }
    for service in services { await service.stop() }
    return Double(after - before) / Double(n) / Double(seconds)
}

/// Peers with the default settings on one link in memory, for `hours` of simulated time after
/// they start together; returns the mean bytes a second each sends on the link from the end of
/// the first minute on: UDP payload, and with 28 bytes of IPv4 and UDP headers per datagram.
func simulatedIdleTraffic(peers n: Int, hours: Int) -> (payload: Double, wire: Double) {
    var machines = Peers.identities.prefix(n).map {
        DiscoveryMachine(identity: $0, config: DiscoveryConfig(ports: [7000]))
    }
    let link = DiscoveryLink(interface: "lan0", family: .ipv4)
    var inbox: [(from: Int, bytes: [UInt8])] = []
    var now = Instant(nanoseconds: 1_000_000_000)
    let wall: UInt64 = 1_700_000_000_000
    let quietFrom = now + .seconds(60)
    let end = now + .seconds(3600 * hours)
    var bytes = 0
    var datagrams = 0

    func collect(_ actions: [DiscoveryAction], from index: Int) {
        for case .send(let datagram, _) in actions {
            inbox.append((index, datagram))
            if now >= quietFrom {
                bytes += datagram.count
                datagrams += 1
            }
        }
    }
    func deliver() {
        while !inbox.isEmpty {
            let (from, datagram) = inbox.removeFirst()
            let source = DiscoverySource(link: link, host: "10.0.0.\(from + 1)", port: 41710)
            for index in machines.indices where index != from {
                let elapsed = UInt64((now - Instant(nanoseconds: 1_000_000_000)).nanoseconds / 1_000_000)
                collect(
                    machines[index].receive(datagram, from: source, now: now, wallClock: wall + elapsed), from: index)
            }
        }
    }

    for index in machines.indices { collect(machines[index].start(now: now, wallClock: wall), from: index) }
    deliver()
    while let next = machines.compactMap(\.nextDeadline).min(), next <= end {
        now = next
        let elapsed = UInt64((now - Instant(nanoseconds: 1_000_000_000)).nanoseconds / 1_000_000)
        for index in machines.indices where machines[index].nextDeadline.map({ $0 <= now }) ?? false {
            collect(machines[index].tick(now: now, wallClock: wall + elapsed), from: index)
        }
        deliver()
    }
    let seconds = (end - quietFrom).seconds
    let payload = Double(bytes) / Double(n) / seconds
    let wire = Double(bytes + 28 * datagrams) / Double(n) / seconds
    return (payload, wire)
}
