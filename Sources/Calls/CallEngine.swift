import Foundation
import Identity
import Net
import RunSupport
import Session
import Voice
import Wire

/// The calls of one parley process: one `CallMachine` (a user is in at most one call), the
/// sessions it may call over, and the media pipeline of the active call. Session owners route
/// every event of their connections through `handle(_:from:)` (or let `serve(_:)` do it); the
/// user interface calls `place`, `answer`, `decline`, `hangup` and `setMuted`, and reads
/// `events`. The protocol decisions are the machine's; this actor only carries them out.
///
/// Every task the engine starts (its timer, and the capture, input and playout tasks of a
/// call's media) is a child of `run()`, which its owner runs in the task group of its own run
/// (the call, the chat) until `shutdown()`.
public actor CallEngine {
    struct Attached {
        let connection: PeerConnection
        let nickname: String
        var roundTrip: Duration?
    }

    /// The media of a call that ended, kept for its summary.
    struct Finished {
        let callID: CallID
        let stats: CallStats
        let duration: Duration
        let params: CallParams
        let recording: String?
    }

    public nonisolated let options: CallEngineOptions
    public nonisolated let events: AsyncStream<CallEngineEvent>
    private let continuation: AsyncStream<CallEngineEvent>.Continuation
    let now: @Sendable () -> Instant
    var machine: CallMachine
    var peers: [PeerID: Attached] = [:]
    var media: CallMedia?
    var finished: Finished?
    var muted = false
    /// The level of the last frame sent during a call, 0 (silence, or muted) to 1, for a meter;
    /// nil without a call's media.
    public internal(set) var inputLevel: Double?
    /// Calls whose media started, for naming recordings.
    var callsStarted = 0
    var lastPeerReport: CallReport?
    /// The encoder's loss hint and FEC, following the peer's reports.
    var adaptation: CodecAdaptation
    /// Voice frames that matched no current call, dropped (over the engine's lifetime).
    var unknownCallFrames = 0
    /// The engine's tasks, run by `run()`.
    let tasks = OwnedTasks()
    private var ticker: OwnedTask?
    private var isShutDown = false

    public init(options: CallEngineOptions, now: @escaping @Sendable () -> Instant = { .now() }) {
        self.options = options
        self.now = now
        machine = CallMachine(config: options.callConfig)
        adaptation = CodecAdaptation(floor: options.voice.packetLossPercent, fecAllowed: options.voice.fec)
        (events, continuation) = AsyncStream.makeStream(of: CallEngineEvent.self)
    }

    /// Runs the engine's timer and media tasks, each a child task of this call, until
    /// `shutdown()` (or until the caller is cancelled); returns once all of them have ended.
    /// Without it running, no timer fires and no audio flows.
    public nonisolated func run() async {
        await tasks.run()
    }

    // MARK: Sessions

    /// A session whose handshake completed: calls to and from `peer` go over it (the newest
    /// session to a peer wins). A call in progress with `peer` moves to it (a relayed session
    /// replaced by a direct one): its voice frames and reports go out on it from now on, and
    /// the end of the session it leaves no longer ends it. Frames still arriving on that one
    /// count for the same call, ordered by the jitter buffer.
    public func attach(_ connection: PeerConnection, peer: PeerInfo) {
        let same = peers[peer.peerID]?.connection === connection
        peers[peer.peerID] = Attached(
            connection: connection, nickname: peer.nickname, roundTrip: same ? peers[peer.peerID]?.roundTrip : nil)
        if let media, media.call.peer == peer.peerID { media.connection = connection }
        startTicker()
    }

    /// An event of `connection`, the session with `peer`. Voice and call frames, round trips and
    /// the session's end matter here; the rest is ignored.
    public func handle(_ event: SessionEvent, from peer: PeerID, connection: PeerConnection) {
        switch event {
        case .established(let info):
            attach(connection, peer: info)
        case .frame(.call(let signal)):
            perform(machine.receive(signal, from: peer, now: now()))
        case .frame(.voice(let packet)):
            let arrival = now()
            guard machine.mediaReceived(callID: packet.callID, from: peer, now: arrival) else {
                unknownCallFrames += 1
                return
            }
            media?.receiver.receive(packet, arrival: arrival.mediaTime)
        case .roundTrip(let duration):
            peers[peer]?.roundTrip = duration
        case .closed:
            guard peers[peer]?.connection === connection else { return }
            peers[peer] = nil
            perform(machine.sessionClosed(peer: peer, now: now()))
        default:
            break
        }
    }

    /// Reads `connection`'s events until it closes, routing them here. For owners that need
    /// no other event of the session (`parley call`).
    public nonisolated func serve(_ connection: PeerConnection) async {
        var peer: PeerID?
        for await event in connection.events {
            if case .established(let info) = event { peer = info.peerID }
            guard let peer else { continue }
            await handle(event, from: peer, connection: connection)
        }
    }

    // MARK: User commands

    public var phase: CallMachine.Phase { machine.phase }
    public var current: (peer: PeerID, callID: CallID)? { machine.current }
    public var isMuted: Bool { muted }

    /// Calls `peer`, which must have an established session here.
    public func place(to peer: PeerID) throws(CallEngineError) {
        guard peers[peer] != nil else { throw .notConnected }
        do {
            perform(try machine.place(to: peer, callID: .random(in: 1...CallID.max), now: now()))
        } catch {
            throw .call(error)
        }
        startTicker()
    }

    public func answer() throws(CallEngineError) {
        do { perform(try machine.answer(now: now())) } catch { throw .call(error) }
    }

    public func decline() throws(CallEngineError) {
        do { perform(try machine.decline(now: now())) } catch { throw .call(error) }
    }

    /// Cancels, declines or hangs up, whatever the call's phase.
    public func hangup() throws(CallEngineError) {
        do { perform(try machine.hangup(now: now())) } catch { throw .call(error) }
    }

    /// While muted nothing is sent (reports still keep the call alive); the peer hears silence.
    public func setMuted(_ value: Bool) {
        muted = value
    }

    /// Hangs up whatever call there is, stops the timers, ends `events` and ends `run()`.
    public func shutdown() {
        if machine.current != nil { try? hangup() }
        if let media { stopMedia(media.call.callID) }
        ticker?.cancel()
        ticker = nil
        isShutDown = true
        continuation.finish()
        tasks.finish()
    }

    // MARK: Timers

    private func startTicker() {
        guard ticker == nil, !isShutDown else { return }
        ticker = tasks.start { [weak self] in
            while !Task.isCancelled {
                guard let wait = await self?.tick() else { return }
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Runs the machine's timers; returns how long to sleep until the next deadline (at most
    /// 250 ms, so a deadline set meanwhile is met within that).
    private func tick() -> Duration {
        let instant = now()
        perform(machine.tick(now: instant))
        let longest = Duration.milliseconds(250)
        guard let deadline = machine.nextDeadline else { return longest }
        return min(max(deadline - instant, .milliseconds(1)), longest)
    }

    // MARK: Actions

    func perform(_ actions: [CallAction]) {
        for action in actions {
            switch action {
            case .send(let signal, let peer):
                peers[peer]?.connection.sendFrameNoWait(.call(signal))
            case .startMedia(let call):
                startMedia(call)
            case .stopMedia(let callID):
                stopMedia(callID)
            case .sendReport(let callID, let peer):
                sendReport(callID, to: peer)
            case .notify(let event):
                notify(event)
            }
        }
    }

    private func notify(_ event: CallEvent) {
        switch event {
        case .incoming:
            emit(.call(event))
            switch options.autoAnswer {
            case .off: break
            case .answer: perform((try? machine.answer(now: now())) ?? [])
            case .decline: perform((try? machine.decline(now: now())) ?? [])
            }
        case .ended(let peer, let callID, let reason):
            let done = finished?.callID == callID ? finished : nil
            emit(
                .ended(
                    CallSummary(
                        peer: peer, nickname: peers[peer]?.nickname, callID: callID, reason: reason,
                        wasActive: done != nil, duration: done?.duration ?? .zero, stats: done?.stats ?? CallStats(),
                        params: done?.params, peerReport: done != nil ? lastPeerReport : nil,
                        recording: done?.recording)))
        case .report(_, let report):
            adaptCodec(to: report)
            emit(.call(event))
        case .active:
            lastPeerReport = nil
            emit(.call(event))
        default:
            emit(.call(event))
        }
    }

    func emit(_ event: CallEngineEvent) {
        continuation.yield(event)
    }

    public func nickname(of peer: PeerID) -> String? { peers[peer]?.nickname }
}

public enum CallEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    case call(CallError)
    /// No established session with that peer.
    case notConnected

    public var description: String {
        switch self {
        case .call(let error): error.description
        case .notConnected: "no session with that peer"
        }
    }
}
