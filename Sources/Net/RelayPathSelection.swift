import NIOConcurrencyHelpers
import Session

/// Which way a session goes: straight to the peer, or through a relay.
public enum SessionPath: String, Sendable, CaseIterable {
    case auto, direct, relay
}

/// `--path auto`: tries the direct path first and, if it has no established session within
/// `directHeadStart` (or fails sooner), starts the relay path beside it; the first to establish
/// wins and the other is closed whenever it finishes. So a blackholed direct path (a SYN never
/// answered) delays the first message by the head start, not by TCP's connect timeout.
public enum PathSelection {
    public struct Winner: Sendable {
        public let connection: PeerConnection
        /// `.direct` or `.relay`.
        public let path: SessionPath
    }

    private struct Race {
        var decided = false
        var directFailed = false
        var finished = 0
        var firstError: Error?
        var continuation: CheckedContinuation<Winner, Error>?
    }

    public static func race(
        directHeadStart: Duration,
        direct: @escaping @Sendable () async throws -> PeerConnection,
        relay: @escaping @Sendable () async throws -> PeerConnection
    ) async throws -> Winner {
        let race = NIOLockedValueBox(Race())

        @Sendable func attempt(_ path: SessionPath, _ open: @escaping @Sendable () async throws -> PeerConnection) async
        {
            do {
                let connection = try await open()
                _ = try await connection.established()
                let continuation = race.withLockedValue { state -> CheckedContinuation<Winner, Error>? in
                    guard !state.decided else { return nil }
                    state.decided = true
                    defer { state.continuation = nil }
                    return state.continuation
                }
                if let continuation {
                    continuation.resume(returning: Winner(connection: connection, path: path))
                } else {
                    await connection.close()
                }
            } catch {
                done(error: error, directFailed: path == .direct)
            }
        }

        @Sendable func done(error: Error?, directFailed: Bool = false) {
            let continuation = race.withLockedValue { state -> (CheckedContinuation<Winner, Error>, Error)? in
                state.finished += 1
                if directFailed { state.directFailed = true }
                if state.firstError == nil, let error { state.firstError = error }
                guard state.finished == 2, !state.decided, let continuation = state.continuation else { return nil }
                state.decided = true
                state.continuation = nil
                return (continuation, state.firstError ?? SessionClosedError(reason: .connectionLost))
            }
            if let pair = continuation { pair.0.resume(throwing: pair.1) }
        }

        return try await withCheckedThrowingContinuation { continuation in
            race.withLockedValue { $0.continuation = continuation }
            Task { await attempt(.direct, direct) }
            Task {
                let start = ContinuousClock.now
                while ContinuousClock.now - start < directHeadStart {
                    let (decided, failed) = race.withLockedValue { ($0.decided, $0.directFailed) }
                    if decided { return done(error: nil) }
                    if failed { break }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                if race.withLockedValue({ $0.decided }) { return done(error: nil) }
                await attempt(.relay, relay)
            }
        }
    }
}
