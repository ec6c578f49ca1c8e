import ChatModel
import Foundation
import Net
import Session

/// How `parley peers` shows the relays announced on the LAN, beside the peers: a table of its
/// own under the peers', a `relays` array in JSON, and `+ relay …` lines with --watch.
public enum LANRelayListing {
    static let header = ["RELAY", "FINGERPRINT", "ADDRESS", "LAST SEEN"]

    /// Nothing when no relay was heard, so that the peers' output stays as it was.
    public static func table(_ relays: [DiscoveredRelay], now: Instant) -> [String] {
        guard !relays.isEmpty else { return [] }
        let rows =
            [header]
            + relays.map { relay in
                [
                    LineOutput.sanitize(relay.nickname), relay.fingerprint.description, relay.endpointText,
                    (now - relay.lastSeen).agoText + " ago",
                ]
            }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    /// `+ relay nick FINGERPRINT address`, `~ relay …` or `- relay nick FINGERPRINT (reason)`.
    public static func change(_ event: RelayAnnouncement) -> String {
        switch event {
        case .added(let relay):
            "+ relay \(LineOutput.sanitize(relay.nickname)) \(relay.fingerprint) \(relay.endpointText)"
        case .updated(let relay):
            "~ relay \(LineOutput.sanitize(relay.nickname)) \(relay.fingerprint) \(relay.endpointText)"
        case .removed(let relay, let why):
            "- relay \(LineOutput.sanitize(relay.nickname)) \(relay.fingerprint) (\(why.word))"
        }
    }

    public static func object(_ relay: DiscoveredRelay, now: Instant) -> [String: Any] {
        [
            "nickname": relay.nickname, "peerID": relay.peerID.description,
            "fingerprint": relay.fingerprint.description, "address": relay.address.host,
            "port": Int(relay.ports[0]), "ports": relay.ports.map(Int.init), "interface": relay.address.link.interface,
            "addresses": relay.addresses.map(\.host), "lastSeen": (now - relay.lastSeen).seconds,
            "instances": relay.instances,
        ]
    }

    public static func object(_ event: RelayAnnouncement, now: Instant) -> [String: Any] {
        switch event {
        case .added(let relay): ["event": "added", "relay": object(relay, now: now)]
        case .updated(let relay): ["event": "updated", "relay": object(relay, now: now)]
        case .removed(let relay, let why): ["event": "removed", "reason": why.word, "relay": object(relay, now: now)]
        }
    }
}
