import Identity
import Wire

@testable import Session

/// A fixed-seed generator (SplitMix64), so jitter, nonces and delays repeat exactly.
struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Links {
    static let eth0 = DiscoveryLink(interface: "eth0", family: .ipv4)
    static let eth0v6 = DiscoveryLink(interface: "eth0", family: .ipv6)
    static let wlan0 = DiscoveryLink(interface: "wlan0", family: .ipv4)
    /// 2023-11-14T22:13:20Z, in milliseconds.
    static let wall: UInt64 = 1_700_000_000_000
}

/// One participant: a machine, its identity, its address, and what it reported.
struct Node {
    let identity: LocalIdentity
    var machine: DiscoveryMachine
    let host: String
    let port: UInt16
    var added: [DiscoveredPeer] = []
    var updated: [DiscoveredPeer] = []
    var removed: [(DiscoveredPeer, DiscoveryDeparture)] = []
    var relaysAdded: [DiscoveredRelay] = []
    var relaysUpdated: [DiscoveredRelay] = []
    var relaysRemoved: [(DiscoveredRelay, DiscoveryDeparture)] = []

    init(_ nickname: String, host: String, seed: UInt64, config: DiscoveryConfig? = nil) {
        identity = LocalIdentity.generate(nickname: nickname)
        machine = DiscoveryMachine(
            identity: identity, config: config ?? DiscoveryConfig(ports: [7000]), random: SeededRandom(seed: seed))
        self.host = host
        port = 41000
    }

    var id: PeerID { identity.peerID }

    func source(on link: DiscoveryLink = Links.eth0) -> DiscoverySource {
        DiscoverySource(
            link: link,
            host: link.family == .ipv6 ? "fe80::\(host.split(separator: ".").last!)%\(link.interface)" : host,
            port: port)
    }

    /// Records peer changes; returns the datagrams to send.
    mutating func take(_ actions: [DiscoveryAction]) -> [([UInt8], DiscoveryTarget)] {
        var sends: [([UInt8], DiscoveryTarget)] = []
        for action in actions {
            switch action {
            case .send(let bytes, let target): sends.append((bytes, target))
            case .peerAdded(let peer): added.append(peer)
            case .peerUpdated(let peer): updated.append(peer)
            case .peerRemoved(let peer, let why): removed.append((peer, why))
            case .relayAdded(let relay): relaysAdded.append(relay)
            case .relayUpdated(let relay): relaysUpdated.append(relay)
            case .relayRemoved(let relay, let why): relaysRemoved.append((relay, why))
            }
        }
        return sends
    }

    mutating func start(at now: Instant, wall: UInt64 = Links.wall) -> [([UInt8], DiscoveryTarget)] {
        take(machine.start(now: now, wallClock: wall))
    }

    mutating func tick(at now: Instant, wall: UInt64 = Links.wall) -> [([UInt8], DiscoveryTarget)] {
        take(machine.tick(now: now, wallClock: wall))
    }

    mutating func receive(
        _ datagram: [UInt8], from source: DiscoverySource, at now: Instant, wall: UInt64 = Links.wall
    ) -> [([UInt8], DiscoveryTarget)] {
        take(machine.receive(datagram, from: source, now: now, wallClock: wall))
    }

    var peerNames: [String] { machine.peers.map(\.nickname) }
}

/// Packets built by hand, signed by whoever the test says.
enum Forge {
    static func packet(
        _ identity: LocalIdentity, kind: DiscoveryPacket.Kind = .announce, instance: UInt64 = 1, counter: UInt64 = 1,
        timestamp: UInt64 = Links.wall, validity: UInt32 = 30_000, ports: [UInt16] = [7000], nickname: String? = nil,
        nonces: [UInt64] = []
    ) -> DiscoveryPacket {
        DiscoveryPacket(
            kind: kind, peerID: identity.peerID.bytes, instance: instance, counter: counter, timestamp: timestamp,
            validity: validity, capabilities: kind.isRelay ? [] : .current,
            ports: kind == .goodbye || kind == .relayGoodbye ? [] : ports,
            nickname: nickname ?? identity.nickname, nonces: kind == .query && nonces.isEmpty ? [1] : nonces)
    }

    static func datagram(_ packet: DiscoveryPacket, signedBy identity: LocalIdentity) -> [UInt8] {
        let body = packet.encodeBody()
        let signature = try! identity.signingKey.signature(for: DiscoveryPacket.signedMessage(body: body))
        return body + Array(signature)
    }

    static func datagram(
        _ identity: LocalIdentity, kind: DiscoveryPacket.Kind = .announce, instance: UInt64 = 1, counter: UInt64 = 1,
        timestamp: UInt64 = Links.wall, validity: UInt32 = 30_000, ports: [UInt16] = [7000], nonces: [UInt64] = []
    ) -> [UInt8] {
        datagram(
            packet(
                identity, kind: kind, instance: instance, counter: counter, timestamp: timestamp, validity: validity,
                ports: ports, nonces: nonces),
            signedBy: identity)
    }
}

extension [([UInt8], DiscoveryTarget)] {
    var packets: [DiscoveryPacket] { map { try! DiscoveryPacket.decode($0.0).packet } }
}

extension Instant {
    static func ms(_ milliseconds: Int) -> Instant { .zero + .milliseconds(milliseconds) + .seconds(1000) }
}

/// Several nodes on one link in memory: every datagram reaches every other node at once.
struct LAN {
    var nodes: [Node]
    var now: Instant

    init(_ nodes: [Node], now: Instant = .ms(0)) {
        self.nodes = nodes
        self.now = now
    }

    mutating func deliver(_ sends: [([UInt8], DiscoveryTarget)], from index: Int) {
        for (bytes, _) in sends {
            for other in nodes.indices where other != index {
                let more = nodes[other].receive(bytes, from: nodes[index].source(), at: now)
                deliver(more, from: other)
            }
        }
    }

    mutating func start(_ index: Int) {
        let sends = nodes[index].start(at: now)
        deliver(sends, from: index)
    }

    /// Advances the clock to `until`, ticking each node at its deadlines.
    mutating func run(until end: Instant) {
        for _ in 0..<100_000 {
            let next = nodes.indices.compactMap { i in nodes[i].machine.nextDeadline.map { (i, $0) } }
                .filter { $0.1 <= end }.min { $0.1 < $1.1 }
            guard let (index, deadline) = next else { break }
            now = max(now, deadline)
            let sends = nodes[index].tick(at: now)
            deliver(sends, from: index)
        }
        precondition(nodes.allSatisfy { ($0.machine.nextDeadline ?? end + .seconds(1)) > end }, "timers never settle")
        now = end
    }
}
