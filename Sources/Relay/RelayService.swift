import ServiceLifecycle

/// The relay as a swift-service-lifecycle `Service`: it accepts until the group shuts it down
/// gracefully (or cancels it), then stops accepting, closes every connection and the metrics
/// listener, and waits for the mailbox's writes (`RelayServer.shutdown`) before `run` returns.
public struct RelayService: Service, CustomStringConvertible {
    let server: RelayServer
    let running: @Sendable () async -> Void

    /// `running` is called once `run` has started, before the first client is served: in a
    /// `ServiceGroup` the group's signals are trapped by then.
    public init(server: RelayServer, running: @escaping @Sendable () async -> Void = {}) {
        self.server = server
        self.running = running
    }

    public var description: String { "relay" }

    public func run() async throws {
        let server = server
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Returns at graceful shutdown, throws when cancelled (also when `server.run`
                // ended by itself): either way the relay shuts down. Shutting down ignores
                // cancellation, so it finishes even when the group below is cancelled.
                try? await gracefulShutdown()
                await server.shutdown()
            }
            await running()
            try await server.run()
            group.cancelAll()
        }
    }
}

/// The relay's LAN announcer as a `Service`: it announces until the group shuts it down, then
/// says goodbye on every link. Listed after the relay in a `ServiceGroup`, it stops first (the
/// group shuts services down in reverse order), so clients drop the relay before it closes.
public struct RelayAnnouncerService: Service, CustomStringConvertible {
    let announcer: RelayAnnouncer

    public init(announcer: RelayAnnouncer) { self.announcer = announcer }

    public var description: String { "relay announcer" }

    public func run() async throws {
        try? await gracefulShutdown()
        await announcer.stop()
    }
}
