import Calls
import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session

/// `parley call --listen`: an unattended host. Accepts sessions, lets the engine answer or
/// decline each call (or leave it ringing), and prints each call's statistics as it ends.
public struct CallHost {
    let settings: CallSettings
    let endpoint: Endpoint

    public init(settings: CallSettings, endpoint: Endpoint) {
        self.settings = settings
        self.endpoint = endpoint
    }

    public func run() async throws {
        let identity = settings.identity
        let credentials = try SessionCredentials(identity: identity)
        let engine = CallEngine(options: settings.engine)
        let output = LineOutput()
        let connections = ConnectionList()
        // Every task of the host (the engine's timers and media, one per session, a signal's
        // shutdown, the --duration limit) is a child of `running` and ends with it. As many may
        // wait to start as the listener admits sessions.
        let tasks = OwnedTasks(pendingLimit: ListenerLimits.maxConnections + OwnedTasks.defaultPendingLimit)
        async let running: Void = tasks.run()
        tasks.start { await engine.run() }
        let server: SessionServer
        do {
            server = try await SessionServer.bind(
                host: endpoint.host, port: endpoint.port, credentials: credentials,
                config: settings.sessionConfig
            ) { connection in
                connections.add(connection)
                tasks.start { await engine.serve(connection) }
            }
        } catch {
            throw Failure(message: "cannot listen on \(endpoint): \(error)", code: .failure)
        }
        output.line(
            "listening on \(server.localAddress?.displayText ?? endpoint.description) as \(identity.nickname) (\(identity.fingerprint))"
        )
        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { tasks.start { await engine.shutdown() } }
        defer { signals.cancel() }

        var answered = 0
        var limit: OwnedTask?
        for await event in engine.events {
            switch event {
            case .call(.incoming(let peer, _, let offer)):
                let who = await describe(peer, engine)
                output.line("incoming call from \(who): \(offer.summaryText)")
            case .call(.active(let call)):
                output.line("call active with \(await describe(call.peer, engine)): \(call.params.summaryText)")
                if let duration = settings.durationLimit {
                    limit?.cancel()
                    limit = tasks.start {
                        try? await Task.sleep(for: duration)
                        if !Task.isCancelled, await engine.current?.callID == call.callID { try? await engine.hangup() }
                    }
                }
            case .call(.rejectedBusy(let peer, _)):
                output.line("busy: turned away a call from \(await describe(peer, engine))")
            case .call: break
            case .stats: break
            case .warning(let text): output.line("warning: \(text)")
            case .ended(let summary):
                if settings.json {
                    output.line(summary.json)
                } else {
                    for line in summary.textLines { output.line(line) }
                }
                if summary.wasActive { answered += 1 }
                if let max = settings.maxCalls, answered >= max { await engine.shutdown() }
            }
        }
        limit?.cancel()
        await server.close()
        for connection in connections.all { await connection.close() }
        tasks.finish()
        await running
    }

    private func describe(_ peer: PeerID, _ engine: CallEngine) async -> String {
        let nick = await engine.nickname(of: peer).map(LineOutput.sanitize) ?? "?"
        return "\(nick) (\(peer.fingerprint))"
    }
}

/// The sessions a host accepted, to close them at exit.
final class ConnectionList: @unchecked Sendable {
    private let lock = NSLock()
    private var connections: [PeerConnection] = []
    func add(_ connection: PeerConnection) { lock.withLock { connections.append(connection) } }
    var all: [PeerConnection] { lock.withLock { connections } }
}
