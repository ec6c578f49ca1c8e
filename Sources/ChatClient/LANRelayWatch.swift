import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session

/// The chat's view of relays announced on the LAN (`parley relay --announce`): a notice for
/// each relay heard, and for `--relay lan` / `/relay lan` the relay to use (`LANRelay.choose`),
/// waited for while none is heard. Announcements come from the chat's discovery, or from a
/// listener that only listens when the chat does not discover.
public actor LANRelayWatch {
    public enum Mode: Equatable, Sendable {
        /// No relay chosen: each relay heard is shown once, with how to use it.
        case notify
        /// A relay given as HOST:PORT is in use: announcements are not shown.
        case quiet
        /// `--relay lan`, `/relay lan`: use a relay announced on the LAN (with a pin, only that one).
        case use(pinned: ExpectedPeer?)
    }

    private(set) var mode = Mode.notify
    /// Bumped by every change of mode: a wait or connection attempt of an older mode stops.
    private(set) var generation = 0
    private(set) var relays: [PeerID: DiscoveredRelay] = [:]
    /// The relay last used: while it is announced, it is preferred to any other.
    private(set) var inUse: PeerID?
    private var noticed: Set<PeerID> = []
    /// Relays whose last attempt failed (an announcement that was not that relay's, a relay that
    /// refused us): others announced are tried first.
    private var failed: Set<PeerID> = []
    private var errorsShown: Set<String> = []
    private var watching = false
    /// Starts a listener (a passive discovery) when the chat does not discover.
    private var listener: (@Sendable () async throws -> DiscoveryService)?

    public init(listener: (@Sendable () async throws -> DiscoveryService)? = nil) {
        self.listener = listener
    }

    /// Takes the relay announcements of a discovery (the chat's own, or a listener's).
    public func watch(_ events: AsyncStream<RelayAnnouncement>, chat: ChatController) {
        watching = true
        chat.tasks.spawn {
            for await event in events {
                guard !Task.isCancelled else { return }
                await self.handle(event, chat: chat)
            }
        }
    }

    /// Makes sure announcements are heard: starts the listener if nothing is watched yet.
    func ensureWatching(chat: ChatController) async throws {
        guard !watching else { return }
        guard let listener else {
            throw Failure(message: "LAN discovery is not running", code: .failure)
        }
        let service = try await listener()
        if watching {
            await service.stop()
            return
        }
        watch(service.relayEvents, chat: chat)
    }

    /// Switches mode; returns the new generation.
    @discardableResult
    public func setMode(_ mode: Mode) -> Int {
        self.mode = mode
        generation += 1
        errorsShown.removeAll()
        failed.removeAll()
        if case .use = mode {} else { inUse = nil }
        return generation
    }

    func isCurrent(_ generation: Int) -> Bool { generation == self.generation }

    /// The relay to use now, in `.use` mode: the best one that did not fail last time, or
    /// when all did, the best one.
    func candidate() -> DiscoveredRelay? {
        guard case .use(let pinned) = mode else { return nil }
        let ranked = LANRelay.ordered(Array(relays.values), pinned: pinned, current: inUse)
        return ranked.first { !failed.contains($0.peerID) } ?? ranked.first
    }

    /// Waits until a relay to use is announced, for at most `timeout` (nil: as long as the
    /// mode lasts); nil when the mode changed or the time ran out.
    func waitForCandidate(generation: Int, timeout: Duration?) async -> DiscoveredRelay? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while generation == self.generation {
            if let relay = candidate() { return relay }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    func used(_ relay: PeerID) {
        inUse = relay
        failed.removeAll()
    }

    func failed(_ relay: PeerID) {
        failed.insert(relay)
    }

    /// Shows an error once per mode: a relay that keeps failing the same way is reported once,
    /// not at every attempt.
    func showOnce(_ text: String, chat: ChatController) async {
        guard errorsShown.insert(text).inserted else { return }
        await chat.show(.error(text, in: .room))
    }

    func handle(_ event: RelayAnnouncement, chat: ChatController) async {
        switch event {
        case .added(let relay), .updated(let relay):
            relays[relay.peerID] = relay
            guard noticed.insert(relay.peerID).inserted else { return }
            await notice(relay, chat: chat)
        case .removed(let relay, let why):
            relays[relay.peerID] = nil
            if case .use = mode, inUse == relay.peerID {
                await chat.show(.notice("the relay \(Self.describe(relay)) left the LAN (\(why.word))", in: .room))
            }
        }
    }

    private func notice(_ relay: DiscoveredRelay, chat: ChatController) async {
        let who = Self.describe(relay)
        switch mode {
        case .quiet:
            return
        case .notify:
            await chat.show(
                .notice(
                    "relay announced on the LAN: \(who); to use it: /relay lan (or parley chat --relay lan)",
                    in: .room))
        case .use(let pinned):
            if let pinned, !pinned.matches(relay.peerID) {
                await chat.show(
                    .notice(
                        "relay announced on the LAN: \(who); not the one --relay-fingerprint names: not used",
                        in: .room))
            } else if let inUse, inUse != relay.peerID {
                await chat.show(
                    .notice("relay announced on the LAN: \(who); staying with the relay in use", in: .room))
            }
        }
    }

    /// The relays announced now, as `/relay` lists them.
    func listing() -> [String] {
        relays.values.sorted { $0.firstSeen < $1.firstSeen }.map { "relay announced on the LAN: \(Self.describe($0))" }
    }

    /// The relays announced now, as `/peers` lists them below the peers, first heard first:
    /// `relay NICK FINGERPRINT HOST:PORT seen 2.0 s ago`, and `, in use` after the relay whose
    /// identity is `inUse` (the one the chat uses, however it was chosen).
    func peersListing(inUse: PeerID?, now: Instant) -> [String] {
        relays.values.sorted { ($0.firstSeen, $0.peerID.description) < ($1.firstSeen, $1.peerID.description) }.map {
            "relay \(LineOutput.sanitize($0.nickname)) \($0.fingerprint) \($0.endpointText) "
                + "seen \((now - $0.lastSeen).agoText) ago\($0.peerID == inUse ? ", in use" : "")"
        }
    }

    /// `relay 7XK2M-… at 192.0.2.5:7777`, with the relay's nickname.
    static func describe(_ relay: DiscoveredRelay) -> String {
        "\(LineOutput.sanitize(relay.nickname)) \(relay.fingerprint) at \(relay.endpointText)"
    }
}
