import Calls
import ChatModel
import Foundation
import Identity
import Net
import Session
import Voice

/// Voice calls in `parley chat`: owns a `CallEngine`, gives it every ready session, and carries
/// out `/call`, `/answer`, `/decline`, `/hangup` and `/mute`. What the engine reports becomes
/// notices (plain lines `* ...`), the call in the status bar with its live figures and the
/// microphone's level meter, and the end-of-call summary.
public actor CallFeature: CallCommands {
    let engine: CallEngine
    /// How often plain mode may print a statistics line (only when the figures changed).
    let statsLineInterval: Duration

    private weak var chat: ChatController?
    /// The task showing the engine's events, with the engine's own tasks as its children (a task
    /// of the chat run).
    private var consumer: Completion?
    /// The meter running now, by number: a meter whose number is no longer this one stops.
    private var meter: Int?
    private var meters = 0
    private var status: ChatModel.CallStatus?
    private var lastStatsLine: String?
    private var lastStatsLineAt: ContinuousClock.Instant?

    public init(
        options: CallEngineOptions, statsLineInterval: Duration = .seconds(5)
    ) {
        engine = CallEngine(options: options)
        self.statsLineInterval = statsLineInterval
    }

    /// Starts showing the engine's events in `chat`. Call once, before sessions come.
    public func start(chat: ChatController) {
        self.chat = chat
        guard consumer == nil else { return }
        let (engine, events) = (engine, engine.events)
        consumer = chat.tasks.spawn { [weak self] in
            // The engine's timers and media run as children of this task, until `stop()`.
            await withDiscardingTaskGroup { group in
                group.addTask { await engine.run() }
                for await event in events {
                    guard let self, !Task.isCancelled else { break }
                    await self.show(event)
                }
                group.cancelAll()
            }
        }
    }

    /// Hangs up any call and stops the engine; the end-of-call lines are out when this returns.
    func stop() async {
        await engine.shutdown()
        await consumer?.wait()
        meter = nil
    }

    // MARK: Sessions

    func sessionReady(_ link: any ChatLink, peer: PeerInfo, chat: ChatController) async {
        guard let connection = link as? PeerConnection else { return }
        await engine.attach(connection, peer: peer)
    }

    func sessionEvent(_ event: SessionEvent, on link: any ChatLink, peer: PeerID, chat: ChatController) async {
        guard let connection = link as? PeerConnection else { return }
        await engine.handle(event, from: peer, connection: connection)
    }

    // MARK: Commands

    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async {
        do throws(CallEngineError) {
            switch command {
            case .call(let nickname):
                await call(nickname, in: conversation, chat: chat)
            case .answer:
                try await engine.answer()
            case .decline:
                try await engine.decline()
            case .hangup:
                try await engine.hangup()
            case .mute(let value):
                let wasMuted = await engine.isMuted
                let muted = value ?? !wasMuted
                await engine.setMuted(muted)
                if status != nil {
                    status?.muted = muted
                    await chat.show(ChatOutput([.call(status)]))
                }
                await chat.show(
                    .notice(muted ? "muted: the peer hears silence" : "unmuted: the peer hears you", in: conversation))
            default:
                break
            }
        } catch {
            await chat.show(.error("/\(command.name): \(error.description)", in: conversation))
        }
    }

    /// `/call NICK`: where and when the call goes is the chat core's (ChatCore+Calls): over the
    /// peer's ready session at once, or once a session opened for it is up.
    private func call(_ nickname: String?, in conversation: ConversationID, chat: ChatController) async {
        guard let peer = await chat.peer(named: nickname, in: conversation) else { return }
        await chat.routeCall(to: peer, in: conversation)
    }

    func place(_ peer: PeerID, in conversation: ConversationID, chat: ChatController) async {
        do throws(CallEngineError) {
            try await engine.place(to: peer)
        } catch {
            let nick = LineOutput.sanitize(await chat.nickname(of: peer))
            await chat.show(.error("/call \(nick): \(error.description)", in: conversation))
        }
    }

    // MARK: What the engine reports

    private func show(_ event: CallEngineEvent) async {
        guard let chat else { return }
        switch event {
        case .call(let call):
            await show(call, chat: chat)
        case .stats(let stats):
            await showStats(stats, chat: chat)
        case .warning(let text):
            await chat.show(.error("call audio: \(text)"))
        case .ended(let summary):
            meter = nil
            status = nil
            lastStatsLine = nil
            lastStatsLineAt = nil
            await chat.show(ChatOutput([.call(nil)]))
            await chat.setCallPeer(nil)
            for line in summary.textLines { await chat.show(.notice(line)) }
            await engine.setMuted(false)
        }
    }

    private func show(_ event: CallEvent, chat: ChatController) async {
        switch event {
        case .calling(let peer, _):
            let nick = await name(of: peer, chat: chat)
            status = ChatModel.CallStatus(peerNickname: nick, phase: .dialing, muted: await engine.isMuted)
            await chat.show(ChatOutput([.call(status)], line: "* calling \(nick)"))
        case .ringing(let peer, _):
            await chat.show(.notice("ringing at \(await name(of: peer, chat: chat))"))
        case .incoming(let peer, _, let offer):
            let nick = await name(of: peer, chat: chat)
            status = ChatModel.CallStatus(peerNickname: nick, phase: .ringing, muted: await engine.isMuted)
            let text =
                engine.options.autoAnswer == .answer
                ? "\(nick) is calling (\(offer.summaryText)): answering"
                : "\(nick) is calling: /answer or /decline"
            await chat.show(ChatOutput([.call(status), .notice(text, in: nil), .bell], line: "* " + text))
        case .active(let call):
            let nick = await name(of: call.peer, chat: chat)
            status = ChatModel.CallStatus(
                peerNickname: nick, phase: .active(since: Date()), muted: await engine.isMuted)
            await chat.setCallPeer(call.peer)
            await chat.show(
                ChatOutput(
                    [.call(status), .notice("in a call with \(nick): \(call.params.summaryText)", in: nil)],
                    line: "* in a call with \(nick): \(call.params.summaryText)"))
            startMeter(chat: chat)
        case .rejectedBusy(let peer, _):
            await chat.show(.notice("busy: turned away a call from \(await name(of: peer, chat: chat))"))
        case .glareResolved(let peer, _):
            await chat.show(.notice("you and \(await name(of: peer, chat: chat)) called each other: one call kept"))
        case .report, .ended:
            break  // the peer's report shows in the summary; the end comes as `.ended(summary)`
        }
    }

    private func name(of peer: PeerID, chat: ChatController) async -> String {
        LineOutput.sanitize(await chat.nickname(of: peer))
    }

    /// The status bar's figures each second; in plain mode a line every few seconds at most,
    /// and only when the rounded figures changed.
    private func showStats(_ stats: Voice.CallStats, chat: ChatController) async {
        if status != nil {
            status?.stats = stats.barStats
            await chat.show(ChatOutput([.call(status)]))
        }
        let line = stats.chatLine
        let now = ContinuousClock.now
        if line != lastStatsLine, lastStatsLineAt.map({ now - $0 >= statsLineInterval }) ?? true {
            lastStatsLine = line
            lastStatsLineAt = now
            await chat.show(ChatOutput(line: "* call: " + line))
        }
    }

    /// The microphone's level for the status bar's meter, ten times a second during the call.
    private func startMeter(chat: ChatController) {
        meters += 1
        let number = meters
        meter = number
        let engine = engine
        chat.tasks.spawn { [weak self] in
            while !Task.isCancelled, await self?.meter == number {
                if let level = await engine.inputLevel {
                    await chat.show(ChatOutput([.inputLevel(level)]))
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

extension Voice.CallStats {
    /// The figures the status bar shows.
    var barStats: ChatModel.CallStats {
        ChatModel.CallStats(
            roundTripMilliseconds: roundTripMs, lossPercent: lossPercent, jitterMilliseconds: jitterMs,
            bitrateKilobits: receiveKbps, sendKilobits: sendKbps)
    }

    /// Frames lost or late (and so not played as sent) per frame expected, in percent.
    var lossPercent: Double {
        let expected = framesReceived + framesLost
        return expected == 0 ? 0 : Double(framesLost + framesLate) * 100 / Double(expected)
    }

    /// Plain mode's statistics line, rounded so that it changes only when the link does:
    /// `rtt 1 ms, jitter 0 ms, loss 0 %, buffer 40 ms, 24 kbit/s in`.
    var chatLine: String {
        let rtt = roundTripMs.map { "\(Int($0.rounded())) ms" } ?? "? ms"
        let buffer = Int((bufferDepthMs / 20).rounded()) * 20
        return "rtt \(rtt), jitter \(Int(jitterMs.rounded())) ms, loss \(Int(lossPercent.rounded())) %,"
            + " buffer \(buffer) ms, \(Int(receiveKbps.rounded())) kbit/s in"
    }
}
