import Foundation
import Identity
import Net
import Session
import Testing

@testable import Calls

/// Two engines, alice and bob, sharing one real session over 127.0.0.1 (bob listens).
final class EnginePair: @unchecked Sendable {
    let alice: CallEngine
    let bob: CallEngine
    let aliceID: PeerID
    let bobID: PeerID
    let aliceEvents: EventLog
    let bobEvents: EventLog
    let aliceConnection: PeerConnection
    let bobConnection: PeerConnection
    private let server: SessionServer
    private var serving: [Task<Void, Never>] = []
    private var bobServing: Task<Void, Never>?
    /// Both engines' `run()`: their timers and media.
    private var running: [Task<Void, Never>] = []

    private init(
        alice: CallEngine, bob: CallEngine, aliceID: PeerID, bobID: PeerID, aliceConnection: PeerConnection,
        bobConnection: PeerConnection, server: SessionServer
    ) {
        self.alice = alice
        self.bob = bob
        self.aliceID = aliceID
        self.bobID = bobID
        self.aliceConnection = aliceConnection
        self.bobConnection = bobConnection
        self.server = server
        aliceEvents = EventLog(alice.events)
        bobEvents = EventLog(bob.events)
    }

    /// Opens the session and attaches it to both engines; with `serving`, each engine reads its
    /// side's events at once (otherwise call `startServing`).
    static func open(alice: CallEngineOptions, bob: CallEngineOptions, serving: Bool = true) async throws -> EnginePair
    {
        let aliceIdentity = LocalIdentity.generate(nickname: "alice")
        let bobIdentity = LocalIdentity.generate(nickname: "bob")
        let (accepted, arrivals) = AsyncStream.makeStream(of: PeerConnection.self)
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: bobIdentity)
        ) { arrivals.yield($0) }
        let aliceConnection = try await SessionConnector.connect(
            host: "127.0.0.1", port: server.localAddress!.port!,
            credentials: try SessionCredentials(identity: aliceIdentity))
        var iterator = accepted.makeAsyncIterator()
        let bobConnection = try #require(await iterator.next())
        let bobInfo = try await aliceConnection.established()
        let aliceInfo = try await bobConnection.established()
        let pair = EnginePair(
            alice: CallEngine(options: alice), bob: CallEngine(options: bob), aliceID: aliceInfo.peerID,
            bobID: bobInfo.peerID, aliceConnection: aliceConnection, bobConnection: bobConnection, server: server)
        pair.running = [Task { await pair.alice.run() }, Task { await pair.bob.run() }]
        await pair.alice.attach(aliceConnection, peer: bobInfo)
        await pair.bob.attach(bobConnection, peer: aliceInfo)
        if serving { pair.startServing() }
        return pair
    }

    func startServing() {
        let (alice, bob, a, b) = (alice, bob, aliceConnection, bobConnection)
        serving.append(Task { await alice.serve(a) })
        bobServing = Task { await bob.serve(b) }
    }

    /// Bob's engine stops reading its session (the session itself goes on).
    func stopServingBob() {
        bobServing?.cancel()
    }

    func close() async {
        await alice.shutdown()
        await bob.shutdown()
        await aliceConnection.close()
        await bobConnection.close()
        await server.close()
        for task in serving { task.cancel() }
        bobServing?.cancel()
        for task in running { await task.value }
    }
}

/// Everything an engine reported, collected in the background.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [CallEngineEvent] = []
    private var task: Task<Void, Never>?

    init(_ stream: AsyncStream<CallEngineEvent>) {
        task = Task { [weak self] in
            for await event in stream { self?.append(event) }
        }
    }

    private func append(_ event: CallEngineEvent) { lock.withLock { events.append(event) } }

    var seen: [CallEngineEvent] { lock.withLock { events } }

    /// A hang guard, not a measurement: 30 s, since a loaded CI run once saw a call's events
    /// take more than 5 s at the start of the suite.
    func first<T>(within seconds: Double = 30, _ pick: (CallEngineEvent) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while true {
            // Checked once more after the deadline: a starved task is not a missing event.
            if let found = seen.lazy.compactMap(pick).first { return found }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw EngineTestFailure("no such event within \(seconds) s; seen: \(seen)")
    }

    func activeCall() async throws -> ActiveCall {
        try await first { if case .call(.active(let call)) = $0 { call } else { nil } }
    }

    func ended(within seconds: Double = 30) async throws -> CallSummary {
        try await first(within: seconds) { if case .ended(let summary) = $0 { summary } else { nil } }
    }
}

struct EngineTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
