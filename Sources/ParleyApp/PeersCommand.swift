import ArgumentParser
import ChatClient
import Foundation
import Net
import RunSupport
import Session

struct PeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "List the parley peers on the local network.",
        discussion: """
            Asks every parley peer on the local network to answer (a multicast query), listens \
            for --wait seconds, prints what it heard and exits: nickname, short fingerprint, \
            address and port, and when each peer was last heard; below them, the relays \
            announced on the LAN ('parley relay --announce'): nickname, fingerprint, address. It \
            never announces itself. With --watch it then prints each change (+ appeared, \
            ~ changed, - gone) until interrupted. An announcement is only a hint: 'parley chat' \
            still checks each peer's and relay's identity in the handshake. With --relay it lists \
            instead the peers registered in your network on that relay (--relay lan: the relay \
            announced on the LAN) and exits.

            With --rtt it measures instead: it lists the peers heard on the local network and, \
            with --relay, those on the relay, each once; opens a session to each by the path \
            --path chooses (direct to a peer heard on the local network, through the relay to \
            one only the relay lists; with auto, direct first and the relay beside it after \
            --direct-timeout), pings it three times, says goodbye, and prints the path and the \
            median round trip, or 'unreachable' and why. Each peer has --timeout seconds; eight \
            are measured at once. The session shows up in the peer's chat (connected, then left).
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var interfaceOptions: InterfaceOptions
    @OptionGroup var relayOptions: RelayOptions

    @Option(name: .long, help: ArgumentHelp("Seconds to listen before printing.", valueName: "seconds"))
    var wait: Double = 1.5

    @Flag(name: .long, help: "Print JSON (with --watch, one JSON object per line).")
    var json = false

    @Flag(name: .long, help: "Keep running and print every change until interrupted.")
    var watch = false

    @Flag(name: .long, help: "Also print the datagrams received and dropped, by reason.")
    var stats = false

    @Flag(
        name: .long,
        help: "Open a session to each peer and print the path it takes and its round trip (the peer sees it).")
    var rtt = false

    @OptionGroup var pathOptions: PathOptions

    @Option(
        name: .long,
        help: ArgumentHelp("With --rtt, seconds each peer has to be reached and measured.", valueName: "seconds"))
    var timeout: Double = 5

    func validate() throws {
        guard wait >= 0, wait <= 3600 else { throw ValidationError("--wait must be between 0 and 3600 seconds") }
        try validateProbe()
    }

    func run() async throws {
        try await Failure.exitingOnFailure { try await listPeers() }
    }

    private func listPeers() async throws {
        let identity = try homeOptions.loadIdentity()
        if rtt { return try await probePeers(identity: identity) }
        if relayOptions.relay != nil { return try await listRelayPeers(identity: identity) }
        let service: DiscoveryService
        do {
            service = try await DiscoveryService.start(
                identity: identity, config: DiscoveryConfig(ports: []), interfaces: interfaceOptions.selection)
        } catch let error as DiscoveryStartError {
            throw error.failure
        }
        let interrupted = ManagedFlag()
        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { interrupted.set() }
        defer { signals.cancel() }

        let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
        while ContinuousClock.now < deadline && !interrupted.isSet {
            try? await Task.sleep(for: min(.milliseconds(20), deadline - ContinuousClock.now))
        }
        let listedAt = Instant.now()
        let peers = await service.peers()
        let relays = await service.relays()
        let now = Instant.now()
        if json && !watch {
            var object: [String: Any] = [
                "peers": peers.map { PeerListing.object($0, now: now) }, "links": service.links.map(\.description),
                "relays": relays.map { LANRelayListing.object($0, now: now) },
            ]
            if stats { object["stats"] = PeerListing.object(await service.stats()) }
            emit(PeerListing.json(object))
            await service.stop()
            return
        }
        if json {
            for peer in peers { emit(PeerListing.json(PeerListing.object(.added(peer), now: now))) }
            for relay in relays { emit(PeerListing.json(LANRelayListing.object(.added(relay), now: now))) }
        } else if peers.isEmpty {
            let on = service.links.map(\.description).joined(separator: ", ")
            emit("no peers heard on \(on) in \(Duration.milliseconds(Int64(wait * 1000)).agoText)")
        } else {
            for line in PeerListing.table(peers, now: now) { emit(line) }
        }
        if !json { for line in LANRelayListing.table(relays, now: now) { emit(line) } }
        if watch && !interrupted.isSet {
            // Both watchers are children of this run, cancelled once a signal comes.
            let json = json
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await Self.printChanges(of: service, from: PeerWatch(listed: peers, listedAt: listedAt), json: json)
                }
                group.addTask {
                    await Self.printRelayChanges(
                        of: service, from: RelayWatch(listed: relays, listedAt: listedAt), json: json)
                }
                while !interrupted.isSet { try? await Task.sleep(for: .milliseconds(50)) }
                group.cancelAll()
            }
        }
        if stats {
            let stats = await service.stats()
            if json {
                emit(PeerListing.json(["stats": PeerListing.object(stats)]))
            } else {
                for line in PeerListing.stats(stats) { emit(line) }
            }
        }
        await service.stop()
    }

    /// Prints changes from the event stream, skipping those the listing already showed, until
    /// the stream ends or the calling task is cancelled.
    private static func printChanges(of service: DiscoveryService, from watch: PeerWatch, json: Bool) async {
        var watch = watch
        for await event in service.events {
            guard let change = watch.change(for: event) else { continue }
            emit(json ? PeerListing.json(PeerListing.object(change, now: .now())) : PeerListing.change(change))
        }
    }
}

/// Writes a line to standard output and flushes it, for pipes.
private func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
