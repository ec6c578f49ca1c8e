import ChatModel
import Foundation
import Identity
import Net
import Session

/// How `parley peers --rtt` shows what it measured, as text and as JSON. Pure.
public enum PeerProbeListing {
    static let header = ["NICKNAME", "FINGERPRINT", "PATH", "RTT"]

    /// A table: the path as "direct ADDRESS" or "relay HOST:PORT" and the median round trip; a
    /// peer that could not be reached reads "unreachable" with the reason in the last column.
    public static func table(_ results: [(PeerProbeTarget, PeerProbeOutcome)]) -> [String] {
        let rows =
            [header]
            + results.map { target, outcome in
                let (path, rtt): (String, String)
                switch outcome {
                case .reached(let chosen, let via, _):
                    path = chosen == .relay ? via : "direct \(via)"
                    rtt = outcome.roundTrip?.millisecondsText ?? "-"
                case .unreachable(let reason):
                    (path, rtt) = ("unreachable", reason)
                }
                return [LineOutput.sanitize(target.nickname), target.peerID.fingerprint.short, path, rtt]
            }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    static func object(_ target: PeerProbeTarget, _ outcome: PeerProbeOutcome) -> [String: Any] {
        var object: [String: Any] = [
            "nickname": target.nickname, "peerID": target.peerID.description,
            "fingerprint": target.peerID.fingerprint.description, "lan": !target.direct.isEmpty,
            "onRelay": target.onRelay,
        ]
        switch outcome {
        case .reached(let path, let via, let samples):
            object["path"] = path.rawValue
            object["via"] = via
            object["roundTrip"] = outcome.roundTrip?.seconds
            object["roundTrips"] = samples.map(\.seconds)
        case .unreachable(let reason):
            object["path"] = "unreachable"
            object["error"] = reason
        }
        return object
    }

    /// The whole listing as one JSON object: `peers`, and `links` and `relay` when used.
    public static func json(
        _ results: [(PeerProbeTarget, PeerProbeOutcome)], links: [String]?, relay: String?
    ) -> String {
        var object: [String: Any] = ["peers": results.map { Self.object($0.0, $0.1) }]
        if let links { object["links"] = links }
        if let relay { object["relay"] = relay }
        return PeerListing.json(object)
    }
}
