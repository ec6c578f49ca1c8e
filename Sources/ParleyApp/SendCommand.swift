import ArgumentParser
import Foundation
import Net
import Session
import Wire

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one message and wait until the peer acknowledges it.",
        discussion: """
            Exits 0 only once the peer has acknowledged the message. Otherwise it exits non-zero \
            with the reason on stderr: 3 refused or unreachable, 4 timed out, 5 wrong key \
            (the peer is not the one --expect names, or its identity signature is bad), 1 anything else.
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var sessionOptions: SessionOptions

    @Option(name: .long, help: ArgumentHelp("The peer to send to.", valueName: "host:port"))
    var to: Endpoint

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds to wait for connection, handshake and acknowledgement together.", valueName: "seconds"))
    var timeout: Double = 10

    @Argument(help: ArgumentHelp("The message. '-' reads it from standard input.", valueName: "text"))
    var text: String

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
    }

    func run() async throws {
        try await Failure.exitingOnFailure { try await send() }
    }

    private func send() async throws {
        let message = try resolveText()
        let credentials = try SessionCredentials(identity: homeOptions.loadIdentity())
        let limit = Duration.milliseconds(Int64(timeout * 1000))
        let config = {
            var config = sessionOptions.config
            config.handshakeTimeout = min(config.handshakeTimeout, limit)
            return config
        }()
        let started = ContinuousClock.now
        try await withDeadline(limit) {
            let connection: PeerConnection
            do throws(ConnectError) {
                connection = try await SessionConnector.connect(
                    host: to.host, port: to.port, credentials: credentials, config: config,
                    connectTimeout: limit)
            } catch {
                throw Failure(message: error.description, code: error.exitStatus)
            }
            let peer: PeerInfo
            do {
                peer = try await connection.established()
            } catch let closed as SessionClosedError {
                throw Failure(message: closed.reason.description, code: closed.reason.exitStatus)
            }
            let id: MessageID
            do {
                id = try await connection.send(message)
            } catch let error as SendError {
                await connection.close()
                throw Failure(message: error.description, code: .failure)
            }
            for await event in connection.events {
                switch event {
                case .delivered(let acked, _) where acked == id:
                    let elapsed = ContinuousClock.now - started
                    await connection.close()
                    print("delivered to \(peer.nickname) (\(peer.fingerprint)) in \(elapsed.millisecondsText)")
                    return
                case .closed(let reason):
                    throw Failure(message: "not delivered: \(reason)", code: reason.exitStatus)
                default:
                    continue
                }
            }
            throw Failure(message: "not delivered: the session ended", code: .failure)
        }
    }

    private func resolveText() throws -> String {
        var message = text
        if text == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            message = String(decoding: data, as: UTF8.self)
            if message.hasSuffix("\n") { message.removeLast() }
        }
        guard !message.isEmpty else { throw Failure(message: "nothing to send: the message is empty", code: .failure) }
        guard message.utf8.count <= Limits.maxTextBytes else {
            throw Failure(
                message: "message is \(message.utf8.count) bytes; the limit is \(Limits.maxTextBytes)", code: .failure)
        }
        return message
    }
}

/// Runs `body`, failing with exit status 4 when it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw Failure(message: "timed out after \(limit.secondsText)", code: .timedOut)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}

extension Duration {
    /// "10 s", "0.3 s".
    var secondsText: String {
        let s = seconds
        return s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}

extension ConnectError {
    var exitStatus: ExitStatus {
        switch self {
        case .refused, .unresolved: .unreachable
        case .timedOut: .timedOut
        case .failed: .failure
        }
    }
}

extension CloseReason {
    var exitStatus: ExitStatus {
        switch self {
        case .unexpectedPeer, .authenticationFailed: .wrongKey
        case .handshakeTimedOut, .peerTimedOut: .timedOut
        default: .failure
        }
    }
}
