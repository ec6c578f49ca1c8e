import ChatModel
import Foundation
import Identity
import Net
import Session
import Wire

extension PeersCommand {
    /// `parley peers --relay HOST:PORT`: the peers of our network on the relay.
    func listRelayPeers(identity: LocalIdentity) async throws {
        if watch { throw Failure(message: "--watch applies only to the local network, not to --relay", code: .failure) }
        let credentials = try SessionCredentials(identity: identity)
        guard
            let relay = try await relayOptions.connect(
                credentials: credentials, sessionConfig: SessionConfig(), interfaces: interfaceOptions.selection)
        else { return }
        let peers: [RelayPeerEntry]
        do throws(RelayClientError) {
            peers = try await relay.peers()
        } catch {
            throw Failure(message: error.description, code: error.exitStatus)
        }
        let rtt = await relay.roundTrip()
        await relay.close()
        let lines = RelayPeerListing.lines(peers, relay: relay.address, relayRoundTrip: rtt, json: json)
        FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }
}

/// How `parley peers --relay` shows what the relay listed.
enum RelayPeerListing {
    static let header = ["NICKNAME", "FINGERPRINT", "PATH"]

    static func lines(_ peers: [RelayPeerEntry], relay: String, relayRoundTrip: Duration?, json: Bool) -> [String] {
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
