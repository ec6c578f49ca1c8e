import ArgumentParser
import ChatClient
import Foundation
import Net
import RunSupport
import Session
import Wire

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one message, or files, and wait until the peer has them.",
        discussion: """
            Exits 0 only once the peer has acknowledged the message. Otherwise it exits non-zero \
            with the reason on stderr: 3 refused or unreachable, 4 timed out, 5 wrong key \
            (the peer is not the one --expect names, or its identity signature is bad), \
            130 interrupted (SIGINT, at any point, the handshake included), 1 anything else. \
            With --file, exits 0 once the peer has verified and kept every file; 6 when it \
            refused one; --timeout bounds the connection and handshake, a transfer runs until \
            it ends (a minute without progress ends it). Run it again to resume: the peer \
            keeps what it verified.
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var sessionOptions: SessionOptions

    @OptionGroup var relayOptions: RelayOptions
    @OptionGroup var pathOptions: PathOptions
    @OptionGroup var interfaceOptions: InterfaceOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The peer to send to: an address, or with --relay a peer ID, fingerprint or nickname on the relay.",
            valueName: "host:port|peer"))
    var to: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds to wait for connection, handshake and acknowledgement together.", valueName: "seconds"))
    var timeout: Double = 10

    @Flag(
        name: .long,
        help: "With --relay: if the peer is offline, leave the message sealed for it on the relay (exit 0 once stored)."
    )
    var offline = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Send this file or directory's files instead of a message (repeat for several; one answer takes all), resumable. Direct sessions only.",
            valueName: "path"))
    var file: [String] = []

    @Flag(name: .long, help: "With --file: print one JSON object per file instead of progress and a line.")
    var json = false

    @Argument(help: ArgumentHelp("The message. '-' reads it from standard input.", valueName: "text"))
    var text: String?

    func validate() throws {
        guard (text == nil) != file.isEmpty else {
            throw ValidationError(file.isEmpty ? "give the message to send, or --file PATH" : "give either a message or --file, not both")
        }
        if !file.isEmpty, offline { throw ValidationError("--offline applies to messages, not files") }
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
        do throws(SendPlan.Problem) {
            _ = try SendPlan.make(
                to: to, relay: relayOptions.relay != nil, path: pathOptions.path, expect: sessionOptions.expect)
        } catch {
            throw ValidationError(error.message)
        }
        if !relayOptions.usesLAN, !interfaceOptions.interfaces.isEmpty {
            throw ValidationError("--interface applies only with --relay lan")
        }
    }

    func run() async throws {
        // Ctrl-C ends it at once, whatever it waits for (connect, handshake, acknowledgement),
        // even when started with SIGINT ignored (a background job of a script).
        // A plain handler, not a dispatch signal source: the kernel hands a process's signal to
        // any of its threads, and a source set up after NIO's threads started missed it there
        // (the send then waited for its handshake timeout). The handler does only what is safe
        // in a signal handler: one write, then _exit. Nothing is lost: the outbox is written
        // with durable commits before anything is sent, so this ends it as kill -9 would.
        signal(SIGINT) { _ in
            let message: StaticString = "parley: interrupted\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(130)
        }
        try await Failure.exitingOnFailure { try await file.isEmpty ? send() : sendFiles() }
    }

    private func send() async throws {
        let message = try resolveText()
        let identity = try homeOptions.loadIdentity()
        let credentials = try SessionCredentials(identity: identity)
        let outbox = try SendOutbox(directory: homeOptions.store.directory, me: identity)
        let limit = Duration.milliseconds(Int64(timeout * 1000))
        let config = {
            var config = sessionOptions.config
            config.handshakeTimeout = min(config.handshakeTimeout, limit)
            return config
        }()
        let started = ContinuousClock.now
        try await withDeadline(limit) {
            let connection: PeerConnection
            let relay: RelayClient?
            do {
                (connection, relay) = try await open(credentials: credentials, config: config, limit: limit)
            } catch let offline as PeerOffline where self.offline {
                let id = ChatController.newMessageID(room: false)
                let sentAt = WallClock.millisecondsNow()
                try await outbox.write(message, id: id, sentAt: sentAt, to: offline.peer)
                try await offline.leave(message, id: id, sentAt: sentAt, credentials: credentials)
                await outbox.sent(id, to: offline.peer)
                return
            }
            let peer: PeerInfo
            do {
                peer = try await connection.established()
            } catch let closed as SessionClosedError {
                if closed.reason == .handshakeTimedOut, config.handshakeTimeout == limit {
                    // --timeout bounded the handshake: the same words as when the deadline fires.
                    throw Failure(message: "timed out after \(limit.secondsText)", code: .timedOut)
                }
                throw Failure(message: closed.reason.description, code: closed.reason.exitStatus)
            }
            // In the outbox before it goes out: a failed write is an error, never exit 0.
            let id = ChatController.newMessageID(room: false)
            do {
                try await outbox.write(message, id: id, sentAt: WallClock.millisecondsNow(), to: peer.peerID)
            } catch {
                await connection.close()
                throw error
            }
            do {
                try await connection.send(message, id: id)
            } catch let error as SendError {
                await connection.close()
                await outbox.failed(id, to: peer.peerID, reason: error.description)
                throw Failure(message: error.description, code: .failure)
            }
            await outbox.sent(id, to: peer.peerID)
            for await event in connection.events {
                switch event {
                case .delivered(let acked, _) where acked == id:
                    let elapsed = ContinuousClock.now - started
                    await outbox.delivered(id, to: peer.peerID)
                    await connection.close()
                    await relay?.close()
                    print("delivered to \(peer.nickname) (\(peer.fingerprint)) in \(elapsed.millisecondsText)")
                    return
                case .closed(let reason):
                    await outbox.failed(id, to: peer.peerID, reason: reason.description)
                    throw Failure(message: "not delivered: \(reason)", code: reason.exitStatus)
                default:
                    continue
                }
            }
            await outbox.failed(id, to: peer.peerID, reason: "the session ended")
            throw Failure(message: "not delivered: the session ended", code: .failure)
        }
    }

    /// A direct session to an address, a relayed one to a peer on the relay, or with
    /// `--path auto` whichever of the two is established first.
    func open(credentials: SessionCredentials, config: SessionConfig, limit: Duration) async throws
        -> (PeerConnection, RelayClient?)
    {
        let address = Endpoint(argument: to)
        let direct: @Sendable () async throws -> PeerConnection = {
            guard let address else { throw Failure(message: "--path direct needs --to HOST:PORT", code: .failure) }
            do throws(ConnectError) {
                return try await SessionConnector.connect(
                    host: address.host, port: address.port, credentials: credentials, config: config,
                    connectTimeout: limit)
            } catch {
                throw Failure(message: error.description, code: error.exitStatus)
            }
        }
        let path = relayOptions.relay == nil ? SessionPath.direct : pathOptions.chosenPath
        // Through the relay, the peer is --to itself, or the one --expect names.
        let name = address == nil ? to : sessionOptions.expect
        if path == .direct || (path == .auto && name == nil) { return (try await direct(), nil) }
        guard let name,
            let relay = try await relayOptions.connect(
                credentials: credentials, sessionConfig: config, interfaces: interfaceOptions.selection)
        else { throw Failure(message: "--path relay to an address needs --expect to name the peer", code: .failure) }
        let peer = try await relay.resolve(name)
        let relayed: @Sendable () async throws -> PeerConnection = {
            try await relay.openSession(to: peer, config: config)
        }
        if path == .relay || address == nil {
            do {
                return (try await relay.open(to: peer, config: config), relay)
            } catch RelayClientError.refused(.peerUnavailable) {
                if offline { throw PeerOffline(relay: relay, peer: peer) }
            } catch {}
            return (try await relayed(), relay)
        }
        let winner = try await PathSelection.race(
            directHeadStart: pathOptions.headStart, direct: direct, relay: relayed)
        return (winner.connection, relay)
    }

    private func resolveText() throws -> String {
        var message = text ?? ""
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
