import ChatModel
import Foundation
import Identity
import Net
import Session
import Wire

/// How `parley peers --relay` shows what the relay listed.
public enum RelayPeerListing {
    static let header = ["NICKNAME", "FINGERPRINT", "PATH"]

    public static func lines(
        _ peers: [RelayPeerEntry], relay: String, relayRoundTrip: Duration?, json: Bool
    ) -> [String] {
        let known = peers.compactMap { entry in PeerID(bytes: entry.peerID).map { (entry.nickname, $0) } }
        if json {
            let objects: [[String: Any]] = known.map { nickname, id in
                [
                    "nickname": nickname, "peerID": id.description, "fingerprint": id.fingerprint.description,
                    "path": "relay", "relay": relay,
                ]
            }
            var object: [String: Any] = ["peers": objects, "relay": relay]
            if let relayRoundTrip { object["relayRoundTrip"] = relayRoundTrip.seconds }
            return [PeerListing.json(object)]
        }
        guard !known.isEmpty else { return ["no peers on the relay \(relay) in this network"] }
        let rows =
            [header]
            + known.map { nickname, id in [LineOutput.sanitize(nickname), id.fingerprint.short, "relay \(relay)"] }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
