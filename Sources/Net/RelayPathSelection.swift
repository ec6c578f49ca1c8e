import Session

/// Which way a session goes: straight to the peer, or through a relay.
public enum SessionPath: String, Sendable, CaseIterable {
    case auto, direct, relay
}

/// `--path auto`: tries the direct path first and, if it has no established session within
/// `directHeadStart` (or fails sooner), starts the relay path beside it; the first to establish
/// wins and the other is cancelled. So a blackholed direct path (a SYN never answered) delays
/// the first message by the head start, not by TCP's connect timeout.
///
/// Both attempts and the head start's timer are children of a task group the race owns: when
/// `race` returns, nothing it started still runs. The loser is cancelled once the winner is
/// known; a session it opened anyway (its open finished as the winner's did) is closed before
/// `race` returns, without waiting for its goodbye to be flushed (`closeNoWait`).
///
/// How long the race waits for a cancelled loser: an opener's TCP connect to an IP literal
/// (`SessionConnector.connect`), a relay's circuit (`RelayClient.open`) and any handshake in
/// progress end at once when cancelled (the channel or the session is closed), so in the normal
/// case milliseconds. The worst case is an opener that ignores cancellation, or a host name still
/// being resolved: then the race waits until that step ends, at most the opener's own connect
/// timeout (5 s by default; the peer probe gives each step what is left of its deadline).
public enum PathSelection {
    public struct Winner: Sendable {
        public let connection: PeerConnection
        /// `.direct` or `.relay`.
        public let path: SessionPath
    }

    /// What a child of the race ends with.
    private enum Outcome: Sendable {
        case opened(Winner)
        case failed(SessionPath, Error)
        /// The head start is over (or the timer was cancelled: the race is decided).
        case headStartOver
    }

    public static func race(
        directHeadStart: Duration,
        direct: @escaping @Sendable () async throws -> PeerConnection,
        relay: @escaping @Sendable () async throws -> PeerConnection
    ) async throws -> Winner {
        let result = await withTaskGroup(of: Outcome.self) { group -> Result<Winner, Error> in
            group.addTask { await attempt(.direct, direct) }
            group.addTask {
                try? await Task.sleep(for: directHeadStart)
                return .headStartOver
            }
            var running = 1  // attempts not yet ended
            var relayStarted = false
            var firstError: Error?
            var result: Result<Winner, Error>?
            func startRelay() {
                guard !relayStarted, !Task.isCancelled else { return }
                relayStarted = true
                running += 1
                group.addTask { await attempt(.relay, relay) }
            }
            while result == nil, let outcome = await group.next() {
                switch outcome {
                case .opened(let winner):
                    result = .success(winner)
                case .failed(let path, let error):
                    running -= 1
                    if firstError == nil { firstError = error }
                    // A failed direct attempt starts the relay at once.
                    if path == .direct { startRelay() }
                    if running == 0 { result = .failure(firstError ?? SessionClosedError(reason: .connectionLost)) }
                case .headStartOver:
                    startRelay()
                }
            }
            // The loser and the timer: cancelled, and waited for (see the type's comment for
            // how long); a session the loser opened all the same is closed.
            group.cancelAll()
            while let outcome = await group.next() {
                if case .opened(let late) = outcome { late.connection.closeNoWait() }
            }
            return result ?? .failure(firstError ?? CancellationError())
        }
        return try result.get()
    }

    /// Opens a session by `path` and waits for its handshake. Cancelled, a handshake still in
    /// progress is ended by closing the session, so the attempt ends at once.
    private static func attempt(
        _ path: SessionPath, _ open: @escaping @Sendable () async throws -> PeerConnection
    ) async -> Outcome {
        do {
            let connection = try await open()
            _ = try await withTaskCancellationHandler {
                try await connection.established()
            } onCancel: {
                connection.closeNoWait()
            }
            return .opened(Winner(connection: connection, path: path))
        } catch {
            return .failed(path, error)
        }
    }
}
