import Calls
import Foundation
import Identity
import Net
import RunSupport
import Session
import Voice

/// A real call running in this process, for benchmarks that measure something else while a
/// call goes on (kept with the benchmarks, not in the Calls module: its root task outlives the
/// setup that starts it): two `CallEngine`s over one encrypted session on 127.0.0.1, the caller streaming
/// an audio file (over and over), the callee answering by itself and decoding what arrives.
final class LoopbackCall: Sendable {
    private let caller: CallEngine
    private let callee: CallEngine
    private let callerConnection: PeerConnection
    private let calleeConnection: PeerConnection
    private let server: SessionServer
    /// Both engines' timers and media, and their sessions' events.
    private let tasks: OwnedTasks
    /// The rig's one root task: it runs `tasks`, and `stop()` ends it and waits for it (a
    /// benchmark starts the rig in its setup and stops it in its teardown, so no caller's
    /// scope spans the call).
    private let running: Task<Void, Never>

    private init(
        caller: CallEngine, callee: CallEngine, callerConnection: PeerConnection, calleeConnection: PeerConnection,
        server: SessionServer, tasks: OwnedTasks, running: Task<Void, Never>
    ) {
        self.caller = caller
        self.callee = callee
        self.callerConnection = callerConnection
        self.calleeConnection = calleeConnection
        self.server = server
        self.tasks = tasks
        self.running = running
    }

    /// Opens the session and places the call; returns once the callee has answered.
    static func start(streaming file: String) async throws -> LoopbackCall {
        let callerIdentity = LocalIdentity.generate(nickname: "caller")
        let calleeIdentity = LocalIdentity.generate(nickname: "callee")
        let (accepted, arrivals) = AsyncStream.makeStream(of: PeerConnection.self)
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: calleeIdentity)
        ) { arrivals.yield($0) }
        let callerConnection = try await SessionConnector.connect(
            host: "127.0.0.1", port: server.localAddress?.port ?? 0,
            credentials: try SessionCredentials(identity: callerIdentity))
        var iterator = accepted.makeAsyncIterator()
        guard let calleeConnection = await iterator.next() else { throw LoopbackCallFailure("no session arrived") }
        let calleeInfo = try await callerConnection.established()
        let callerInfo = try await calleeConnection.established()
        var callerOptions = CallEngineOptions()
        callerOptions.input = .file(file, repeating: true)
        var calleeOptions = CallEngineOptions()
        calleeOptions.autoAnswer = .answer
        let caller = CallEngine(options: callerOptions)
        let callee = CallEngine(options: calleeOptions)
        await caller.attach(callerConnection, peer: calleeInfo)
        await callee.attach(calleeConnection, peer: callerInfo)
        let tasks = OwnedTasks()
        tasks.start { await caller.run() }
        tasks.start { await callee.run() }
        tasks.start { await caller.serve(callerConnection) }
        tasks.start { await callee.serve(calleeConnection) }
        let call = LoopbackCall(
            caller: caller, callee: callee, callerConnection: callerConnection, calleeConnection: calleeConnection,
            server: server, tasks: tasks, running: Task { await tasks.run() })
        do {
            try await caller.place(to: calleeInfo.peerID)
            for await event in caller.events {
                if case .call(.active) = event { break }
                if case .ended(let summary) = event { throw LoopbackCallFailure("the call ended: \(summary.reason)") }
            }
        } catch {
            await call.stop()
            throw error
        }
        return call
    }

    /// Voice frames the callee has received so far.
    var framesReceived: Int {
        get async { await callee.currentStats?.framesReceived ?? 0 }
    }

    func stop() async {
        await caller.shutdown()
        await callee.shutdown()
        await callerConnection.close()
        await calleeConnection.close()
        await server.close()
        tasks.finish()
        await running.value
    }
}

struct LoopbackCallFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
