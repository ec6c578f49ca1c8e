import Foundation
import Identity
import Net
import RunSupport
import Session
import Wire

/// `--relay lan`: a relay announced on the local network (`parley relay --announce`). The
/// announcement only says where a relay claims to be; the link's handshake must prove the
/// identity it announced, so an announcement naming one relay and pointing at another fails.
public enum LANRelay {
    /// How long `send` and `peers` listen for an announcement before giving up.
    public static let wait: Duration = .seconds(3)
    /// Between two queries while listening: a lost query or answer costs a second, not the wait.
    static let requery: Duration = .seconds(1)
    /// How long `send` and `peers` listen at least: every relay on the link answers the start-up
    /// query within the answer delay (100 ms), so by then all of them are heard, not just the
    /// first.
    static let settle: Duration = .milliseconds(250)

    /// The relay to use among those announced: with a pin, only the relay it names; otherwise
    /// `current` while it is still announced (no switching between relays), else the relay heard
    /// first (then by peer ID, so that every client of a LAN picks the same).
    static func choose(_ relays: [DiscoveredRelay], pinned: ExpectedPeer?, current: PeerID? = nil)
        -> DiscoveredRelay?
    {
        ordered(relays, pinned: pinned, current: current).first
    }

    /// Every relay `pinned` allows, best first, as `choose` ranks them: the next ones are
    /// tried when the first cannot be used (an announcement that is not that relay's).
    static func ordered(_ relays: [DiscoveredRelay], pinned: ExpectedPeer?, current: PeerID? = nil)
        -> [DiscoveredRelay]
    {
        relays.filter { pinned?.matches($0.peerID) ?? true }.sorted { a, b in
            if let current, (a.peerID == current) != (b.peerID == current) { return a.peerID == current }
            return (a.firstSeen, a.peerID.description) < (b.firstSeen, b.peerID.description)
        }
    }

    /// Listens (without announcing) on `interfaces` for up to `wait` until a relay `pinned`
    /// allows is heard; returns those heard, best first. A clear error (exit 3) when none is.
    public static func find(
        identity: LocalIdentity, interfaces: InterfaceSelection, pinned: ExpectedPeer?, wait: Duration = wait
    ) async throws -> [DiscoveredRelay] {
        let service: DiscoveryService
        do {
            service = try await DiscoveryService.start(
                identity: identity, config: DiscoveryConfig(ports: []), interfaces: interfaces)
        } catch let error as DiscoveryStartError {
            throw error.failure
        }
        let started = ContinuousClock.now
        var lastQuery = started
        while true {
            let relays = await service.relays()
            let allowed = ordered(relays, pinned: pinned)
            let now = ContinuousClock.now
            if !allowed.isEmpty && now - started >= settle {
                await service.stop()
                return allowed
            }
            if now - started >= wait {
                await service.stop()
                throw Failure(
                    message: notFound(relays, pinned: pinned, links: service.links, wait: wait), code: .unreachable)
            }
            if now - lastQuery >= requery {
                lastQuery = now
                await service.refresh()
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    static func notFound(
        _ relays: [DiscoveredRelay], pinned: ExpectedPeer?, links: [DiscoveryLink], wait: Duration
    ) -> String {
        let on = links.map(\.description).joined(separator: ", ")
        if relays.isEmpty { return "no relay announced on the LAN (\(on)) within \(wait.secondsText)" }
        let heard = relays.map { "\($0.fingerprint) at \($0.endpointText)" }.joined(separator: ", ")
        return "no relay with the fingerprint --relay-fingerprint names announced on the LAN (\(on)); heard: \(heard)"
    }

    /// Connects to an announced relay, expecting the identity it announced: each of its
    /// addresses in turn until one answers. A relay proving another identity is refused with a
    /// clear error (exit 5): the announcement was not that relay's. Sessions peers open to us
    /// through it go to `onSession`; by default each is closed at once (the peer sees it end),
    /// handed to the session's event loop rather than to a task of its own.
    static func connect(
        _ relay: DiscoveredRelay, network: [UInt8], credentials: SessionCredentials, sessionConfig: SessionConfig,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void = { c, _ in c.closeNoWait() },
        onMail: @escaping @Sendable (UInt64, [UInt8]) -> Void = { _, _ in }, watchPresence: Bool = false
    ) async throws -> RelayClient {
        var lastError = RelayClientError.connect(.failed("no address"))
        for address in relay.addresses.isEmpty ? [relay.address] : relay.addresses {
            do throws(RelayClientError) {
                return try await RelayClient.connect(
                    host: address.host, port: Int(relay.ports[0]), credentials: credentials, network: network,
                    linkConfig: RelayLinkMachine.Config(expectedPeer: .peerID(relay.peerID)),
                    sessionConfig: sessionConfig, onSession: onSession, onMail: onMail, watchPresence: watchPresence)
            } catch .connect(let error) {
                lastError = .connect(error)
            } catch {
                throw Failure(message: describe(error, relay: relay, at: address), code: error.exitStatus)
            }
        }
        throw Failure(message: describe(lastError, relay: relay, at: relay.address), code: lastError.exitStatus)
    }

    /// Connects to the first of `relays` that can be used; when none can, fails with the
    /// error of the first (the one preferred).
    public static func connect(
        first relays: [DiscoveredRelay], network: [UInt8], credentials: SessionCredentials,
        sessionConfig: SessionConfig,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void = { c, _ in c.closeNoWait() }
    ) async throws -> RelayClient {
        var firstError: (any Error)?
        for relay in relays {
            do {
                return try await connect(
                    relay, network: network, credentials: credentials, sessionConfig: sessionConfig,
                    onSession: onSession)
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? Failure(message: "no relay announced on the LAN", code: .unreachable)
    }

    /// The error of a link to an announced relay, in the user's terms.
    static func describe(_ error: RelayClientError, relay: DiscoveredRelay, at address: DiscoveredAddress) -> String {
        let endpoint = address.endpointText(port: relay.ports[0])
        if case .relayClosed(.unexpectedPeer(let proven)) = error {
            return "the relay at \(endpoint) proved the identity \(proven.fingerprint), not \(relay.fingerprint) "
                + "that its LAN announcement names: the announcement is not that relay's (spoofed?); not used"
        }
        return "the relay \(relay.fingerprint) announced on the LAN at \(endpoint): \(error)"
    }
}
