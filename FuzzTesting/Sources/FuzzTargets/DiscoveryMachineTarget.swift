import Identity
import Session
import Wire

/// `DiscoveryMachine` (Session/Discovery/) as bob, fed datagrams from a LAN of four identities
/// (alice, carol, dave and bob himself) on two links and four hosts: packets signed properly
/// with input-chosen fields, raw bytes, tampered and replayed packets, time, stop.
///
/// Invariants: the tables stay within `DiscoveryLimits` (peers, relays, instances, addresses);
/// what the actions announce (added, removed) is exactly what `peers`/`relays` list; every
/// datagram bob sends decodes, is signed by bob and fits `maxPacket`; a stopped machine stays
/// silent.
public enum DiscoveryMachineTarget {
    static let others = [Fixtures.alice, Fixtures.carol, Fixtures.identity(4, nickname: "dave"), Fixtures.bob]
    static let links = [DiscoveryLink(interface: "eth0", family: .ipv4), DiscoveryLink(interface: "wlan0", family: .ipv6)]
    static let hosts = ["192.0.2.1", "192.0.2.2", "2001:db8::3", "192.0.2.4"]
    static let nicknames = ["alice", "carol", "dave", "bob", "Zoë🦊"]
    /// Derived once: each is a public key computed from a private one.
    static let otherIDs = others.map(\.peerID)
    static let bobID = Fixtures.bob.peerID.bytes
    /// Datagrams signed by each of `others`, by sender index and body.
    static let signed = Memo<[UInt8], [UInt8]>()
    /// Whether a datagram bob sent verifies.
    static let verified = Memo<[UInt8], Bool>()

    public static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let relayRole = input.byte() % 4 == 3
        let config = DiscoveryConfig(ports: [7000], role: relayRole ? .relay : .peer)
        var run = DiscoveryRun(
            machine: DiscoveryMachine(
                identity: Fixtures.bob, config: config, random: SeededRandom(seed: UInt64(input.byte()))))
        run.carryOut(run.machine.start(now: run.now, wallClock: run.wallClock), wasStopped: false)
        while !input.isAtEnd { run.step(&input) }
    }

    /// Packets of every kind from carol.
    public static func samplePackets(wallClock: UInt64 = Fixtures.wallClockOrigin) -> [DiscoveryPacket] {
        let kinds: [(DiscoveryPacket.Kind, [UInt16], [UInt64])] = [
            (.announce, [7001], []), (.query, [7001], [42]), (.announce, [7001, 7002], [42]), (.goodbye, [], []),
            (.relay, [7443], []), (.relayGoodbye, [], []),
        ]
        return kinds.map { kind, ports, nonces in
            DiscoveryPacket(
                kind: kind, peerID: Fixtures.carol.peerID.bytes, instance: 5, counter: 1, timestamp: wallClock,
                validity: 30_000, capabilities: .current, ports: ports, nickname: "carol", nonces: nonces)
        }
    }

    public static func seeds() -> [[UInt8]] {
        // Per step: link, host, event, then the event's fields; a signed packet is sender, kind,
        // ports, nonces, echo, clock skew, instance, counter, validity, capabilities, nickname.
        let carolAnnounces: [UInt8] = [0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0x0B, 0xB8, 3, 1]
        let aliceQueries: [UInt8] = [1, 1, 0, 0, 1, 1, 1, 1, 9, 0, 0, 0, 2, 0, 1, 0x0B, 0xB8, 3, 0]
        let carolLeaves: [UInt8] = [0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 1, 0, 2, 0x0B, 0xB8, 3, 1]
        let daveRelay: [UInt8] = [0, 0, 0, 2, 3, 1, 200, 0, 0, 0, 0, 2, 0, 1, 0x0B, 0xB8, 0, 2]
        let carolQueries: [UInt8] = [0, 0, 0, 1, 1, 1, 1, 1, 42, 0, 0, 0, 1, 0, 1, 0x0B, 0xB8, 3, 1]
        let tamperedAnnounce: [UInt8] = [1, 2, 3, 1, 0, 1, 5, 0, 0, 0, 0, 3, 0, 1, 0x0B, 0xB8, 3, 1, 0, 10, 5]
        return [
            [0, 7] + carolAnnounces + [0, 0, 5, 0x03, 0xE8, 1] + aliceQueries + carolLeaves + [0, 0, 5, 0, 100, 0],
            [0, 1] + daveRelay + [1, 2, 4] + [0, 0, 6],
            [3, 9] + carolQueries + [0, 0, 5, 0, 200, 1] + [0, 0, 7, 1],
            [0, 2] + tamperedAnnounce + [0, 0, 2, 0, 16] + [UInt8](repeating: 0x50, count: 16) + [0, 0, 8, 4],
        ]
    }
}

struct DiscoveryRun {
    var machine: DiscoveryMachine
    var now = Fixtures.origin
    var wallClock = Fixtures.wallClockOrigin
    /// What the actions said is listed.
    var listedPeers: Set<PeerID> = []
    var listedRelays: Set<PeerID> = []
    var lastDatagram: [UInt8] = []
    /// Nonces of bob's queries, for answers that echo them.
    var queryNonces: [UInt64] = []

    init(machine: DiscoveryMachine) { self.machine = machine }

    mutating func step(_ input: inout FuzzInput) {
        let wasStopped = !machine.isRunning
        let source = DiscoverySource(
            link: DiscoveryDatagrams.links[Int(input.byte()) % 2],
            host: DiscoveryMachineTarget.hosts[Int(input.byte()) % 4], port: 7000)
        switch input.byte() % 9 {
        case 0, 1:
            receive(signedPacket(&input), from: source, wasStopped: wasStopped)
        case 2:
            receive(input.chunk(long: input.bool()), from: source, wasStopped: wasStopped)
        case 3:
            var datagram = signedPacket(&input)
            if !datagram.isEmpty { datagram[input.below(datagram.count)] ^= 1 << (input.byte() % 8) }
            receive(datagram, from: source, wasStopped: wasStopped)
        case 4:
            receive(lastDatagram, from: source, wasStopped: wasStopped)
        case 5:
            let step = Int64(input.uint16())
            let elapsed: Duration = input.bool() ? .milliseconds(step) : .seconds(step % 4096)
            now = now + elapsed
            wallClock += UInt64(elapsed.components.seconds) * 1000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000)
            carryOut(machine.tick(now: now, wallClock: wallClock), wasStopped: wasStopped)
        case 6:
            carryOut(machine.refresh(now: now, wallClock: wallClock), wasStopped: wasStopped)
        case 7:
            if input.bool() {
                carryOut(machine.stop(now: now, wallClock: wallClock), wasStopped: wasStopped)
            } else {
                machine.confirm(DiscoveryMachineTarget.otherIDs[Int(input.byte()) % 4])
            }
        default:
            let nickname = DiscoveryMachineTarget.nicknames[Int(input.byte()) % DiscoveryMachineTarget.nicknames.count]
            carryOut((try? machine.changeNickname(to: nickname, wallClock: wallClock)) ?? [], wasStopped: wasStopped)
        }
        checkTables()
        if wasStopped { fuzzCheck(!machine.isRunning, "a stopped machine runs again") }
    }

    /// A packet from one of the four identities, every field from the input, properly signed.
    mutating func signedPacket(_ input: inout FuzzInput) -> [UInt8] {
        let index = Int(input.byte()) % 4
        let sender = DiscoveryMachineTarget.others[index]
        let kind = DiscoveryPacket.Kind(rawValue: 1 + input.byte() % 5)!
        let ports = (0..<Int(input.byte() % 5)).map { _ in UInt16(7000 + Int(input.byte())) }
        var nonces = (0..<Int(input.byte() % 4)).map { _ in UInt64(input.byte()) }
        if input.bool(), let echoed = queryNonces.last { nonces.append(echoed) }
        let skew = Int64(Int16(bitPattern: input.uint16())) * 10
        let nicknames = DiscoveryMachineTarget.nicknames
        let packet = DiscoveryPacket(
            kind: kind, peerID: DiscoveryMachineTarget.otherIDs[index].bytes, instance: UInt64(input.byte() % 6),
            counter: UInt64(input.uint16()), timestamp: UInt64(Int64(wallClock) + skew * 1000),
            validity: UInt32(input.uint16()) * 10, capabilities: Capabilities(rawValue: UInt32(input.byte())),
            ports: ports, nickname: nicknames[Int(input.byte()) % nicknames.count], nonces: nonces)
        return DiscoveryMachineTarget.signed.value(for: [UInt8(index)] + packet.encodeBody()) {
            (try? sender.signedDatagram(packet)) ?? []
        }
    }

    mutating func receive(_ datagram: [UInt8], from source: DiscoverySource, wasStopped: Bool) {
        lastDatagram = datagram
        carryOut(machine.receive(datagram, from: source, now: now, wallClock: wallClock), wasStopped: wasStopped)
    }

    mutating func carryOut(_ actions: [DiscoveryAction], wasStopped: Bool) {
        if wasStopped { fuzzCheck(actions.isEmpty, "a stopped machine acted: \(actions)") }
        for action in actions {
            switch action {
            case .send(let datagram, _):
                fuzzCheck(datagram.count <= DiscoveryLimits.maxPacket, "sent \(datagram.count) bytes")
                guard let received = try? DiscoveryPacket.decode(datagram) else {
                    fatalError("invariant broken: bob sent a datagram that does not decode")
                }
                fuzzCheck(received.packet.peerID == DiscoveryMachineTarget.bobID, "sent under another peer ID")
                let valid = DiscoveryMachineTarget.verified.value(for: datagram) { DiscoverySignature.isValid(received) }
                fuzzCheck(valid, "sent a datagram with a bad signature")
                if received.packet.kind == .query { queryNonces += received.packet.nonces }
            case .peerAdded(let peer):
                fuzzCheck(listedPeers.insert(peer.peerID).inserted, "peer added twice")
            case .peerUpdated(let peer):
                fuzzCheck(listedPeers.contains(peer.peerID), "update of a peer never added")
            case .peerRemoved(let peer, _):
                fuzzCheck(listedPeers.remove(peer.peerID) != nil, "removal of a peer never added")
            case .relayAdded(let relay):
                fuzzCheck(listedRelays.insert(relay.peerID).inserted, "relay added twice")
            case .relayUpdated(let relay):
                fuzzCheck(listedRelays.contains(relay.peerID), "update of a relay never added")
            case .relayRemoved(let relay, _):
                fuzzCheck(listedRelays.remove(relay.peerID) != nil, "removal of a relay never added")
            }
        }
    }

    func checkTables() {
        let peers = machine.peers
        let relays = machine.relays
        fuzzCheck(peers.count <= DiscoveryLimits.maxPeers, "\(peers.count) peers listed")
        fuzzCheck(relays.count <= DiscoveryLimits.maxRelays, "\(relays.count) relays listed")
        fuzzCheck(Set(peers.map(\.peerID)) == listedPeers, "listed peers differ from what the actions said")
        fuzzCheck(Set(relays.map(\.peerID)) == listedRelays, "listed relays differ from what the actions said")
        let maxAddresses = DiscoveryLimits.maxInstancesPerPeer * DiscoveryLimits.maxAddressesPerInstance
        for peer in peers {
            fuzzCheck(!peer.ports.isEmpty && peer.ports.count <= DiscoveryLimits.maxPorts, "a peer with \(peer.ports)")
            fuzzCheck(peer.addresses.count <= maxAddresses, "a peer with \(peer.addresses.count) addresses")
            fuzzCheck(peer.instances <= DiscoveryLimits.maxInstancesPerPeer, "a peer with \(peer.instances) instances")
            fuzzCheck(Nickname.isValid(peer.nickname), "a listed peer with an invalid nickname")
        }
        for relay in relays {
            fuzzCheck(!relay.ports.isEmpty, "a relay without ports")
            fuzzCheck(relay.addresses.count <= maxAddresses, "a relay with \(relay.addresses.count) addresses")
        }
    }
}

enum DiscoveryDatagrams {
    static let links = DiscoveryMachineTarget.links
}
