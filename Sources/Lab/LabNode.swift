import Calls
import Foundation
import Identity
import Net
import Session
import Voice
import Wire

/// One lab node: its sessions, what it measured, and the commands the orchestrator sends.
/// Lives as an actor; every reply goes out through `emit` as one JSON line.
public actor LabNode {
    /// A session and what the current run counted on it.
    final class Link {
        let session: any LabSession
        var peerID: String?
        var peerInfo: PeerInfo?
        var open = true
        var lastCounts = TCPByteCounts.zero
        init(session: any LabSession) { self.session = session }
    }

    let credentials: SessionCredentials
    let config: SessionConfig
    private let emit: @Sendable (LabEvent) -> Void
    private var server: SessionServer?
    private var links: [Int: Link] = [:]
    private var nextLinkNumber = 0
    private var sessionsEver = 0
    private var route: (any LabRoute)?
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    var run = LabRunState()
    /// The calls of the voice workload, once a voice run started.
    var voiceEngine: CallEngine?
    let voiceFrames = LabVoiceRecorder()

    init(credentials: SessionCredentials, config: SessionConfig, emit: @escaping @Sendable (LabEvent) -> Void) {
        self.credentials = credentials
        self.config = config
        self.emit = emit
    }

    var peerID: String { credentials.identity.peerID.description }

    func handle(_ command: LabCommand) async {
        switch command {
        case .listen(let host): await listen(host: host)
        case .connect(let path, let expected): await connect(path: path, expectSessions: expected)
        case .runText(let plan): emit(.textDone(await runText(plan)))
        case .runVoice(let plan): emit(.voiceDone(await runVoice(plan)))
        case .counters: emit(.counters(await counters()))
        case .mark: run.mark()
        case .stop: break  // handled by the command loop, which owns the exit
        }
    }

    private func listen(host: String) async {
        do {
            let server = try await SessionServer.bind(
                host: host, port: 0, credentials: credentials, config: config
            ) { [weak self] connection in
                Task { await self?.adopt(connection) }
            }
            self.server = server
            emit(.listening(host: host, port: server.localAddress?.port ?? 0))
        } catch {
            emit(.error(LabFailure(message: "cannot listen on \(host): \(error)")))
        }
    }

    private func connect(path: LabPath, expectSessions: Int) async {
        let started = ContinuousClock.now
        let route = path.route
        self.route = route
        do {
            try await route.open(credentials: credentials, config: config) { [weak self] session in
                await self?.adopt(session)
            }
        } catch {
            emit(.error(error))
            return
        }
        let ready = await waitForSessions(expectSessions, timeout: .seconds(20))
        if ready {
            emit(.sessionsUp(count: establishedCount, seconds: (ContinuousClock.now - started).seconds))
        } else {
            emit(.error(LabFailure(message: "only \(establishedCount) of \(expectSessions) sessions came up")))
        }
    }

    // MARK: Sessions

    func adopt(_ session: any LabSession) {
        let number = nextLinkNumber
        nextLinkNumber += 1
        let link = Link(session: session)
        links[number] = link
        Task { [weak self] in
            for await event in session.events {
                await self?.receive(event, on: number)
                await self?.forwardToCalls(event, on: number)
            }
        }
    }

    private func receive(_ event: SessionEvent, on number: Int) {
        guard let link = links[number] else { return }
        switch event {
        case .established(let peer):
            link.peerID = peer.peerID.description
            link.peerInfo = peer
            sessionsEver += 1
            let count = establishedCount
            waiters.removeAll { waiter in
                guard count >= waiter.count else { return false }
                waiter.continuation.resume()
                return true
            }
        case .message(let message):
            run.received(text: message.text, from: link.peerID ?? "?")
        case .delivered(let id, _):
            run.delivered(id, nowNanos: LabMessage.realtimeNanos())
        case .frame(.voice(let packet)):
            voiceFrames.arrived(packet)
        case .roundTrip, .frame, .sendFailed, .nicknameChanged:
            break
        case .closed:
            link.open = false
            // What still waits for an acknowledgement on this session never gets one: the
            // drain need not wait for it.
            if let peer = link.peerID { run.sessionClosed(peer) }
        }
    }

    /// Calls see every event of their sessions, in order (the caller awaits each).
    private func forwardToCalls(_ event: SessionEvent, on number: Int) async {
        guard let engine = voiceEngine, let link = links[number], let peer = link.peerInfo?.peerID else { return }
        await engine.handle(event, from: peer, connection: link.session.peerConnection)
    }

    private var establishedCount: Int { links.values.filter { $0.open && $0.peerID != nil }.count }

    private func waitForSessions(_ count: Int, timeout: Duration) async -> Bool {
        if establishedCount >= count { return true }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.releaseWaiters()
        }
        await withCheckedContinuation { continuation in waiters.append((count, continuation)) }
        timer.cancel()
        return establishedCount >= count
    }

    private func releaseWaiters() {
        for waiter in waiters { waiter.continuation.resume() }
        waiters.removeAll()
    }

    /// Sessions to send to, by peer ID; those closed are kept so that sends to them count as failed.
    func sessions() -> [(peerID: String, link: Link)] {
        links.keys.sorted().compactMap { number in
            guard let link = links[number], let id = link.peerID else { return nil }
            return (id, link)
        }
    }

    // MARK: Counters

    func counters() async -> LabCounters {
        var total = TCPByteCounts.zero
        var connections = 0
        for link in links.values {
            if link.open, let counts = await link.session.byteCounts() { link.lastCounts = counts }
            total = total + link.lastCounts
            if link.open, link.session.ownsConnection { connections += 1 }
        }
        if let route {
            total = total + (await route.extraByteCounts())
            connections += await route.extraConnections()
        }
        return LabCounters(
            bytesSent: total.sent, bytesReceived: total.received, openSessions: establishedCount,
            sessionsEver: sessionsEver, connections: connections, cpuMicroseconds: ProcessCPU.microseconds())
    }

    /// Samples every open session's byte counts, so that a session that dies keeps the counts
    /// it had shortly before.
    func sampleCounts() async {
        for link in links.values where link.open {
            if let counts = await link.session.byteCounts() { link.lastCounts = counts }
        }
        _ = await route?.extraByteCounts()
    }

    func closeAll() async {
        await voiceEngine?.shutdown()
        await server?.close()
        await withTaskGroup(of: Void.self) { group in
            for link in links.values where link.open {
                let session = link.session
                group.addTask { await session.close() }
            }
        }
        await route?.close()
    }
}
