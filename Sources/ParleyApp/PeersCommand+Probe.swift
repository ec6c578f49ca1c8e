import ArgumentParser
import ChatClient
import Foundation
import Identity
import Net
import RunSupport
import Session
import Wire

extension PeersCommand {
    func validateProbe() throws {
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
        guard rtt else {
            if pathOptions.path != nil { throw ValidationError("--path applies only with --rtt") }
            return
        }
        if watch || stats { throw ValidationError("--watch and --stats apply only without --rtt") }
        if relayOptions.relay == nil, pathOptions.path == .relay {
            throw ValidationError("--path relay needs --relay")
        }
    }

    /// `parley peers --rtt`: lists the peers heard on the local network (for --wait seconds,
    /// unless `--path relay`) and, with --relay, those the relay lists, each once; measures each
    /// (`PeerProbe`) and prints the path and round trip of every one.
    func probePeers(identity: LocalIdentity) async throws {
        let credentials = try SessionCredentials(identity: identity)
        let relay = try await relayOptions.connect(credentials: credentials, sessionConfig: SessionConfig())
        var links: [String]?
        var heard: [DiscoveredPeer] = []
        if pathOptions.chosenPath != .relay {
            do {
                let service = try await DiscoveryService.start(
                    identity: identity, config: DiscoveryConfig(ports: []), interfaces: interfaceOptions.selection)
                try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                heard = await service.peers()
                links = service.links.map(\.description)
                await service.stop()
            } catch let error as DiscoveryStartError {
                // With a relay there is still something to list: say what is missing and go on.
                guard relay != nil else { throw error.failure }
                FileHandle.standardError.write(
                    Data("parley: the local network is not searched: \(error.description)\n".utf8))
            }
        }
        var listed: [RelayPeerEntry] = []
        if let relay {
            do throws(RelayClientError) {
                listed = try await relay.peers()
            } catch {
                throw Failure(message: error.description, code: error.exitStatus)
            }
        }
        let targets = Self.targets(heard: heard, listed: listed, me: identity.peerID)
        let probe = PeerProbe(
            credentials: credentials, relay: relay, path: pathOptions.chosenPath, headStart: pathOptions.headStart,
            timeout: .milliseconds(Int64(timeout * 1000)))
        let results = Array(zip(targets, await probe.probeAll(targets)))
        await relay?.close()
        let lines: [String]
        if json {
            lines = [PeerProbeListing.json(results, links: links, relay: relay?.address)]
        } else if results.isEmpty {
            var places: [String] = []
            if let links { places.append("on \(links.joined(separator: ", ")) in \(waitText)") }
            if let relay { places.append("on the relay \(relay.address) in this network") }
            lines = ["no peers " + places.joined(separator: " nor ")]
        } else {
            lines = PeerProbeListing.table(results)
        }
        FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    private var waitText: String { Duration.milliseconds(Int64(wait * 1000)).agoText }

    /// Each peer once, by nickname: heard on the local network (with its addresses), listed by
    /// the relay, or both.
    static func targets(heard: [DiscoveredPeer], listed: [RelayPeerEntry], me: PeerID) -> [PeerProbeTarget] {
        var byID: [PeerID: PeerProbeTarget] = [:]
        for peer in heard where peer.peerID != me {
            let direct = peer.addresses.map { Endpoint(host: $0.host, port: Int(peer.ports[0])) }
            byID[peer.peerID] = PeerProbeTarget(peerID: peer.peerID, nickname: peer.nickname, direct: direct)
        }
        for entry in listed {
            guard let id = PeerID(bytes: entry.peerID), id != me else { continue }
            byID[id, default: PeerProbeTarget(peerID: id, nickname: entry.nickname)].onRelay = true
        }
        return byID.values.sorted { ($0.nickname, $0.peerID.description) < ($1.nickname, $1.peerID.description) }
    }
}
