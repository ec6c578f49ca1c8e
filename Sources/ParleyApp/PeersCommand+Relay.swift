import ChatClient
import ChatModel
import Foundation
import Identity
import Net
import RunSupport
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

extension PeersCommand {
    /// With --watch: prints each change of the relays announced, skipping those the listing
    /// already showed, until the stream ends or the calling task is cancelled.
    static func printRelayChanges(of service: DiscoveryService, from watch: RelayWatch, json: Bool) async {
        var watch = watch
        for await event in service.relayEvents {
            guard let change = watch.change(for: event) else { continue }
            emitLine(
                json
                    ? PeerListing.json(LANRelayListing.object(change, now: .now()))
                    : LANRelayListing.change(change))
        }
    }
}

/// Writes a line to standard output and flushes it, for pipes.
func emitLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
