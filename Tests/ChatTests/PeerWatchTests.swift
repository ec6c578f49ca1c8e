import Identity
import Net
import Testing

@testable import ChatClient
@testable import Session

/// `parley peers --watch`: which events print a line after the table.
@Suite struct PeerWatchTests {
    static let bob = LocalIdentity.generate(nickname: "bob").peerID
    static let v4 = DiscoveredAddress(host: "10.0.0.2", link: DiscoveryLink(interface: "eth0", family: .ipv4))
    static let v6 = DiscoveredAddress(host: "fe80::2%eth0", link: DiscoveryLink(interface: "eth0", family: .ipv6))

    static func bob(_ addresses: [DiscoveredAddress], at seconds: UInt64, nickname: String = "bob") -> DiscoveredPeer {
        DiscoveredPeer(
            peerID: bob, nickname: nickname, capabilities: [.text], ports: [7000], address: addresses[0],
            addresses: addresses, lastSeen: Instant(nanoseconds: seconds * 1_000_000_000), confirmed: true,
            instances: 1)
    }

    static func line(_ change: PeerChange?) -> String? { change.map(PeerListing.change) }

    /// The reported defect: bob was heard first on IPv6, then on IPv4, before the table was
    /// taken; the stream replays both events after it. Nothing is printed.
    @Test func eventsFromBeforeTheTablePrintNothing() {
        let listed = Self.bob([Self.v4, Self.v6], at: 3)
        var watch = PeerWatch(listed: [listed], listedAt: Instant(nanoseconds: 4_000_000_000))
        let c1 = watch.change(for: .added(Self.bob([Self.v6], at: 1)))
        #expect(c1 == nil)
        let c2 = watch.change(for: .updated(Self.bob([Self.v4, Self.v6], at: 2)))
        #expect(c2 == nil)
        // The last change before the table, heard at the table's own time: the same listing.
        let c3 = watch.change(for: .updated(listed))
        #expect(c3 == nil)
        // A peer that came and went before the table: neither line.
        let carol = DiscoveredPeer(
            peerID: LocalIdentity.generate(nickname: "carol").peerID, nickname: "carol", capabilities: [.text],
            ports: [7001], address: Self.v4, addresses: [Self.v4], lastSeen: Instant(nanoseconds: 1_000_000_000),
            confirmed: false, instances: 1)
        let c4 = watch.change(for: .added(carol))
        #expect(c4 == nil)
        let c5 = watch.change(for: .removed(carol, .goodbye))
        #expect(c5 == nil)
        #expect(watch.shown.count == 1)
    }

    @Test func realChangesAfterTheTableArePrintedOnce() throws {
        let listed = Self.bob([Self.v4], at: 3)
        var watch = PeerWatch(listed: [listed], listedAt: Instant(nanoseconds: 3_500_000_000))
        // A refresh with nothing new: nothing.
        let c6 = watch.change(for: .updated(Self.bob([Self.v4], at: 5)))
        #expect(c6 == nil)
        let renamed = Self.bob([Self.v4], at: 6, nickname: "robert")
        let c7 = watch.change(for: .updated(renamed))
        #expect(Self.line(c7) == "~ robert \(Self.bob.fingerprint) 10.0.0.2:7000")
        let c8 = watch.change(for: .updated(renamed))
        #expect(c8 == nil)
        // Expiry: no packet since the last line, so the same last-seen time; still news.
        let c9 = watch.change(for: .removed(renamed, .expired))
        #expect(Self.line(c9)?.hasPrefix("- robert ") == true)
        let c10 = watch.change(for: .removed(renamed, .expired))
        #expect(c10 == nil, "only once")
        let c11 = watch.change(for: .added(Self.bob([Self.v4], at: 9)))
        #expect(Self.line(c11)?.hasPrefix("+ bob ") == true)
    }

    /// Relays announced on the LAN are watched the same way.
    @Test func relayAnnouncementsFromBeforeTheListPrintNothingAndLaterOnesOnce() {
        func relay(_ addresses: [DiscoveredAddress], at seconds: UInt64) -> DiscoveredRelay {
            let at = Instant(nanoseconds: seconds * 1_000_000_000)
            return DiscoveredRelay(
                peerID: Self.bob, nickname: "relay", ports: [7700], address: addresses[0], addresses: addresses,
                firstSeen: Instant(nanoseconds: 1), lastSeen: at)
        }
        var watch = RelayWatch(
            listed: [relay([Self.v4, Self.v6], at: 3)], listedAt: Instant(nanoseconds: 4_000_000_000))
        let replayed = [
            watch.change(for: .added(relay([Self.v6], at: 1))),
            watch.change(for: .updated(relay([Self.v4, Self.v6], at: 2))),
        ]
        #expect(replayed.allSatisfy { $0 == nil })
        let moved = watch.change(for: .updated(relay([Self.v4], at: 9)))
        #expect(moved == .updated(relay([Self.v4], at: 9)))
        let gone = watch.change(for: .removed(relay([Self.v4], at: 9), .goodbye))
        #expect(gone == .removed(relay([Self.v4], at: 9), .goodbye))
    }
}
