import Foundation
import Identity
import NIOConcurrencyHelpers
import Net
import RunSupport
import Session

/// A peer `parley peers --rtt` measures: where it can be reached directly (heard on the local
/// network) and whether the relay lists it.
public struct PeerProbeTarget: Sendable {
    public let peerID: PeerID
    public var nickname: String
    /// The addresses it was heard from, with its announced port; empty for a peer known only
    /// through the relay.
    public var direct: [Endpoint] = []
    public var onRelay = false

    public init(peerID: PeerID, nickname: String, direct: [Endpoint] = [], onRelay: Bool = false) {
        self.peerID = peerID
        self.nickname = nickname
        self.direct = direct
        self.onRelay = onRelay
    }
}

/// What one probe found: the path the session took and its round trips, or why there was none.
public enum PeerProbeOutcome: Sendable, Equatable {
    /// `via` is the peer's address (direct) or "relay HOST:PORT"; `roundTrips` holds at least
    /// one sample.
    case reached(path: SessionPath, via: String, roundTrips: [Duration])
    case unreachable(String)

    /// The median of the samples.
    var roundTrip: Duration? {
        guard case .reached(_, _, let samples) = self, !samples.isEmpty else { return nil }
        return samples.sorted()[samples.count / 2]
    }
}

/// `parley peers --rtt`: opens a session to each peer by the path `--path` chooses (direct to a
/// peer heard on the local network, through the relay to one it lists, with `auto` both raced
/// as `chat` and `send` do), pings it `pings` times one after the other, says bye. Each peer
/// has `timeout` for all of it; at most `maxParallel` peers are measured at once.
public struct PeerProbe: Sendable {
    /// Pings per peer; the round trip shown is their median.
    static let pings = 3
    /// Peers measured at once: enough to list a busy LAN quickly, few enough that the
    /// handshakes (8 scalar multiplications each) do not skew each other's round trips much.
    static let maxParallel = 8

    let credentials: SessionCredentials
    let relay: RelayClient?
    var path = SessionPath.auto
    var headStart = Duration.milliseconds(250)
    var timeout = Duration.seconds(5)

    public init(
        credentials: SessionCredentials, relay: RelayClient?, path: SessionPath = .auto,
        headStart: Duration = .milliseconds(250), timeout: Duration = .seconds(5)
    ) {
        self.credentials = credentials
        self.relay = relay
        self.path = path
        self.headStart = headStart
        self.timeout = timeout
    }

    /// Every target's outcome, in the targets' order.
    public func probeAll(_ targets: [PeerProbeTarget]) async -> [PeerProbeOutcome] {
        await withTaskGroup(of: (Int, PeerProbeOutcome).self) { group in
            var outcomes = [PeerProbeOutcome](repeating: .unreachable("not measured"), count: targets.count)
            var next = 0
            func startNext() {
                guard next < targets.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await probe(targets[index])) }
            }
            for _ in 0..<min(Self.maxParallel, targets.count) { startNext() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                startNext()
            }
            return outcomes
        }
    }

    /// Opens a session to `target` and pings it, all within `timeout`. The attempt to open runs
    /// in a task group the probe owns (`attempt`) and the probe ends only once it has: a connect
    /// or handshake cannot be cancelled, so every step is given only what is left of the
    /// deadline (`open`), and a session that still opens after the deadline is closed there.
    ///
    /// Worst case: each TCP connect gets what is left of the deadline and each handshake what is
    /// left when its step began, so the probe ends within milliseconds of its deadline, except
    /// when a connect completes just before the deadline and the peer then stays silent: its
    /// handshake may run for up to what was left when that connect began, so the probe ends by
    /// the deadline plus that connect's duration (under `timeout`, and only for a peer that
    /// accepts TCP late and never answers). Before, each blackholed address cost a full
    /// `timeout` (k addresses: k × `timeout`, plus the handshake) while the probe waited.
    func probe(_ target: PeerProbeTarget) async -> PeerProbeOutcome {
        let deadline = ContinuousClock.now + timeout
        let opened = await Self.attempt(until: deadline, timeout: timeout) {
            try await open(target, by: deadline)
        } late: { late in
            // Opened after the deadline: closed, so the peer sees the session end.
            await late.0.close()
        }
        let connection: PeerConnection
        let chosen: SessionPath
        switch opened {
        case .success(let session): (connection, chosen) = session
        case .failure(let error): return .unreachable(Self.reason(error))
        }
        // Taken now: a closed channel no longer knows its peer's address.
        let via = chosen == .relay ? "relay \(relay?.address ?? "?")" : connection.remoteAddressText
        let samples = NIOLockedValueBox<[Duration]>([])
        let ended = NIOLockedValueBox<String?>(nil)
        _ = try? await withDeadline(Self.left(until: deadline)) {
            var events = connection.events.makeAsyncIterator()
            for _ in 0..<Self.pings {
                do {
                    try await connection.ping()
                } catch {
                    return
                }
                while let event = await events.next() {
                    if case .roundTrip(let rtt) = event {
                        samples.withLockedValue { $0.append(rtt) }
                        break
                    }
                    if case .closed(let reason) = event {
                        ended.withLockedValue { $0 = reason.description }
                        return
                    }
                }
            }
        }
        await connection.close()
        let measured = samples.withLockedValue { $0 }
        guard !measured.isEmpty else {
            return .unreachable(ended.withLockedValue { $0 } ?? "no answer to pings within \(timeout.secondsText)")
        }
        return .reached(path: chosen, via: via, roundTrips: measured)
    }

    private enum Step<T: Sendable>: Sendable {
        case opened(T)
        case failed(any Error)
        case deadline
    }

    /// Runs `open` beside a timer for `deadline`, both children of a task group this call owns;
    /// the first to end decides: what `open` gave or threw, or "timed out after `timeout`".
    /// Returns once `open` has ended too (it is not cancelled: it must end by its own
    /// timeouts); a value it gives after the deadline goes to `late`, before this returns.
    static func attempt<T: Sendable>(
        until deadline: ContinuousClock.Instant, timeout: Duration,
        _ open: @escaping @Sendable () async throws -> T, late: @escaping @Sendable (T) async -> Void
    ) async -> Result<T, any Error> {
        await withTaskGroup(of: Step<T>.self) { group in
            group.addTask {
                do { return .opened(try await open()) } catch { return .failed(error) }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return .deadline
            }
            var decided: Result<T, any Error>?
            for await step in group {
                switch (step, decided) {
                case (.opened(let value), nil):
                    decided = .success(value)
                    group.cancelAll()  // the timer
                case (.failed(let error), nil):
                    decided = .failure(error)
                    group.cancelAll()
                case (.deadline, nil):
                    decided = .failure(Failure(message: "timed out after \(timeout.secondsText)", code: .timedOut))
                case (.opened(let value), _?):
                    await late(value)
                case (.failed, _?), (.deadline, _?):
                    break
                }
            }
            return decided ?? .failure(CancellationError())
        }
    }

    /// What is left until `deadline` for a step starting now (a millisecond at least: a zero
    /// timeout would mean none).
    static func left(until deadline: ContinuousClock.Instant) -> Duration {
        max(deadline - .now, .milliseconds(1))
    }

    /// A session by the path the target and `path` allow, established. Each step (a TCP
    /// connect, a handshake) is given what is left until `deadline` when it starts.
    private func open(_ target: PeerProbeTarget, by deadline: ContinuousClock.Instant) async throws -> (
        PeerConnection, SessionPath
    ) {
        @Sendable func config() -> SessionConfig {
            var config = SessionConfig(
                keepaliveInterval: .seconds(60), peerTimeout: .seconds(120),
                handshakeTimeout: min(Self.left(until: deadline), SessionConfig().handshakeTimeout))
            config.expectedPeer = .peerID(target.peerID)
            return config
        }
        let viaRelay = relay.flatMap { relay in target.onRelay ? relay : nil }
        let useDirect = path != .relay && !target.direct.isEmpty
        let useRelay = path != .direct && viaRelay != nil
        let direct: @Sendable () async throws -> PeerConnection = { [credentials] in
            var lastError = ConnectError.failed("no address")
            for address in target.direct where ContinuousClock.now < deadline {
                do throws(ConnectError) {
                    return try await SessionConnector.connect(
                        host: address.host, port: address.port, credentials: credentials, config: config(),
                        connectTimeout: Self.left(until: deadline))
                } catch {
                    lastError = error
                }
            }
            throw lastError
        }
        switch (useDirect, viaRelay) {
        case (true, let relay?) where useRelay:
            let winner = try await PathSelection.race(
                directHeadStart: headStart, direct: direct,
                relay: { try await relay.open(to: target.peerID, config: config()) })
            return (winner.connection, winner.path)
        case (true, _):
            let connection = try await direct()
            _ = try await connection.established()
            return (connection, .direct)
        case (false, let relay?) where useRelay:
            return (try await relay.open(to: target.peerID, config: config()), .relay)
        default:
            throw Failure(message: Self.noPath(target, path: path, relay: relay != nil), code: .unreachable)
        }
    }

    /// Why no path was tried, in words.
    static func noPath(_ target: PeerProbeTarget, path: SessionPath, relay: Bool) -> String {
        if path == .direct { return "known only through the relay (--path direct)" }
        if path == .relay { return relay ? "not on the relay (--path relay)" : "--path relay needs --relay" }
        return "no address and no relay"
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case let failure as Failure: failure.message
        case let closed as SessionClosedError: closed.reason.description
        case let connect as ConnectError: connect.description
        case let relay as RelayClientError: relay.description
        default: "\(error)"
        }
    }
}
