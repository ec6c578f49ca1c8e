import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session

/// `parley chat --connect`: keeps a session with the address until the chat ends. A failed
/// attempt or a lost session is followed by another after a wait from `ReconnectSchedule`
/// (`reconnecting to bob in 2 s`), so a restarted peer gets what was typed meanwhile, and a
/// peer started after us is found once it listens. The line client whose input has ended does
/// not wait for a peer: it ends as it always did (exit status 3 when the address refused us).
public struct ConnectTarget: Sendable {
    let endpoint: Endpoint
    let credentials: SessionCredentials
    let config: SessionConfig
    let chat: ChatController

    public init(endpoint: Endpoint, credentials: SessionCredentials, config: SessionConfig, chat: ChatController) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.config = config
        self.chat = chat
    }
    /// How often a wait checks whether the chat still wants the peer.
    static let pollInterval = Duration.milliseconds(100)

    /// Runs until the chat ends or the task is cancelled.
    public func run(schedule: ReconnectSchedule = ReconnectSchedule()) async {
        var schedule = schedule
        var name = endpoint.description
        var lastProblem: String?
        var announcedAtMaximum = false
        while !Task.isCancelled, !(await chat.isOver) {
            // The exit status if the chat ends now, without this peer (nil: from the failures).
            var status: ExitStatus?
            var failure: String?
            do throws(ConnectError) {
                let connection = try await SessionConnector.connect(
                    host: endpoint.host, port: endpoint.port, credentials: credentials, config: config)
                guard await chat.attachTarget(connection) else {
                    await connection.close()
                    return
                }
                if let peer = try? await connection.established() {
                    name = LineOutput.sanitize(peer.nickname)
                    schedule.sessionUp(at: .now())
                    lastProblem = nil
                    announcedAtMaximum = false
                    _ = await connection.closed()
                    schedule.sessionDown(at: .now())
                } else {
                    status = await connection.closed().exitStatus
                }
                // The chat's line about the end comes before ours about the next attempt.
                let settle = ContinuousClock.now + .seconds(1)
                while await chat.holds(connection), ContinuousClock.now < settle {
                    try? await Task.sleep(for: .milliseconds(10))
                }
            } catch {
                // Cancelled (the chat ended): the connect was cut short, nothing to report.
                if Task.isCancelled { return }
                status = error.exitStatus
                failure = error.description
                if error.description != lastProblem {
                    lastProblem = error.description
                    await chat.show(.error(error.description))
                }
            }
            let delay = schedule.nextDelay()
            let givingUp = await chat.givesUpOnTargets
            if !givingUp, !announcedAtMaximum {
                announcedAtMaximum = schedule.atMaximum
                let then =
                    announcedAtMaximum ? "; then every \(Self.text(schedule.maximum)) at most until it answers" : ""
                await chat.show(.notice("reconnecting to \(name) in \(Self.text(delay))\(then)"))
            }
            if await wait(delay) { continue }
            let over = await chat.isOver
            guard await chat.givesUpOnTargets, !over else { return }
            // As before reconnecting existed: the connection's error on stderr and its status.
            if let failure { FileHandle.standardError.write(Data("parley: \(failure)\n".utf8)) }
            await chat.quit(status: status)
            return
        }
    }

    /// Waits `delay`; false as soon as the chat ends or gives up on the peer, or on cancellation.
    private func wait(_ delay: Duration) async -> Bool {
        let wake = ContinuousClock.now + delay
        while ContinuousClock.now < wake {
            if Task.isCancelled { return false }
            if await chat.isOver { return false }
            if await chat.givesUpOnTargets { return false }
            try? await Task.sleep(for: min(Self.pollInterval, wake - ContinuousClock.now))
        }
        return !Task.isCancelled
    }

    /// `250 ms`, `2 s`.
    static func text(_ delay: Duration) -> String {
        let seconds = Double(delay.nanoseconds) / 1e9
        return seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : "\(Int(seconds.rounded())) s"
    }
}
