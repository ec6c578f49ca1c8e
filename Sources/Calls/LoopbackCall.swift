import Foundation
import Identity
import Net
import Session
import Voice

/// A real call running in this process, for benchmarks that measure something else while a
/// call goes on: two `CallEngine`s over one encrypted session on 127.0.0.1, the caller streaming
/// an audio file (over and over), the callee answering by itself and decoding what arrives.
public final class LoopbackCall: Sendable {
    private let caller: CallEngine
    private let callee: CallEngine
    private let callerConnection: PeerConnection
    private let calleeConnection: PeerConnection
    private let server: SessionServer
    private let serving: [Task<Void, Never>]

    private init(
        caller: CallEngine, callee: CallEngine, callerConnection: PeerConnection, calleeConnection: PeerConnection,
        server: SessionServer, serving: [Task<Void, Never>]
    ) {
        self.caller = caller
        self.callee = callee
        self.callerConnection = callerConnection
        self.calleeConnection = calleeConnection
        self.server = server
        self.serving = serving
    }

    /// Opens the session and places the call; returns once the callee has answered.
    public static func start(streaming file: String) async throws -> LoopbackCall {
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
        let serving = [
            Task { await caller.serve(callerConnection) }, Task { await callee.serve(calleeConnection) },
        ]
        let call = LoopbackCall(
            caller: caller, callee: callee, callerConnection: callerConnection, calleeConnection: calleeConnection,
            server: server, serving: serving)
        try await caller.place(to: calleeInfo.peerID)
        for await event in caller.events {
            if case .call(.active) = event { break }
            if case .ended(let summary) = event { throw LoopbackCallFailure("the call ended: \(summary.reason)") }
        }
        return call
    }

    /// Voice frames the callee has received so far.
    public var framesReceived: Int {
        get async { await callee.currentStats?.framesReceived ?? 0 }
    }

    public func stop() async {
        await caller.shutdown()
        await callee.shutdown()
        await callerConnection.close()
        await calleeConnection.close()
        await server.close()
        for task in serving { task.cancel() }
    }
}

struct LoopbackCallFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
