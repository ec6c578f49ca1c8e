import ChatModel
import Foundation
import Session

/// How `parley peers` shows peers, stats and changes, as text and as JSON.
public enum PeerListing {
    static let header = ["NICKNAME", "FINGERPRINT", "ADDRESS", "LAST SEEN"]

    /// A table with a header line, columns padded to their widest entry.
    public static func table(_ peers: [DiscoveredPeer], now: Instant) -> [String] {
        let rows =
            [header]
            + peers.map { peer in
                [
                    LineOutput.sanitize(peer.nickname), peer.fingerprint.short, peer.endpointText,
                    (now - peer.lastSeen).agoText + " ago",
                ]
            }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    /// `+ nick FINGERPRINT address`, `~ …` or `- nick FINGERPRINT (reason)`.
    public static func change(_ event: PeerChange) -> String {
        switch event {
        case .added(let peer): "+ \(LineOutput.sanitize(peer.nickname)) \(peer.fingerprint) \(peer.endpointText)"
        case .updated(let peer): "~ \(LineOutput.sanitize(peer.nickname)) \(peer.fingerprint) \(peer.endpointText)"
        case .removed(let peer, let why): "- \(LineOutput.sanitize(peer.nickname)) \(peer.fingerprint) (\(why.word))"
        }
    }

    /// `received N: N accepted, N own, N duplicate, N dropped` and, if any, the drops by reason.
    public static func stats(_ stats: DiscoveryStats) -> [String] {
        var lines = [
            "stats: \(stats.datagramsReceived) received, \(stats.accepted) accepted, \(stats.own) own, "
                + "\(stats.duplicates) duplicate, \(stats.dropped) dropped, \(stats.packetsSent) sent"
        ]
        let drops = DiscoveryDropReason.allCases.filter { stats[$0] > 0 }.map { "\($0.rawValue) \(stats[$0])" }
        lines.append("dropped: " + (drops.isEmpty ? "none" : drops.joined(separator: ", ")))
        return lines
    }

    // MARK: JSON

    public static func object(_ peer: DiscoveredPeer, now: Instant) -> [String: Any] {
        [
            "nickname": peer.nickname, "peerID": peer.peerID.description,
            "fingerprint": peer.fingerprint.description, "address": peer.address.host,
            "port": Int(peer.ports[0]), "ports": peer.ports.map(Int.init),
            "interface": peer.address.link.interface,
            "addresses": peer.addresses.map(\.host), "lastSeen": (now - peer.lastSeen).seconds,
            "capabilities": peer.capabilities.names, "instances": peer.instances,
        ]
    }

    public static func object(_ stats: DiscoveryStats) -> [String: Any] {
        var dropped: [String: Int] = [:]
        for reason in DiscoveryDropReason.allCases { dropped[reason.rawValue] = stats[reason] }
        return [
            "received": stats.datagramsReceived, "accepted": stats.accepted, "own": stats.own,
            "duplicates": stats.duplicates, "sent": stats.packetsSent, "dropped": dropped,
        ]
    }

    public static func object(_ event: PeerChange, now: Instant) -> [String: Any] {
        switch event {
        case .added(let peer): ["event": "added", "peer": object(peer, now: now)]
        case .updated(let peer): ["event": "updated", "peer": object(peer, now: now)]
        case .removed(let peer, let why): ["event": "removed", "reason": why.word, "peer": object(peer, now: now)]
        }
    }

    /// One line of JSON with sorted keys.
    public static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A change in the peer list, as `parley peers --watch` reports it.
public enum PeerChange {
    case added(DiscoveredPeer)
    case updated(DiscoveredPeer)
    case removed(DiscoveredPeer, DiscoveryDeparture)
}
