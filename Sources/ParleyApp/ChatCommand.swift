import ArgumentParser
import Foundation
import Net
import Session

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with peers over direct, end-to-end encrypted sessions.",
        discussion: """
            A line-oriented client that also works with standard input and output as pipes. \
            Each line you type is sent to every connected peer; '* #N delivered to NICK' shows \
            when a peer acknowledged it. Lines typed while no peer is connected wait and go to \
            the next peer that connects; any still waiting at exit are reported as not sent. Lines starting with '/' are commands: /help, /peers, \
            /quit ('//' sends a line starting with '/').

            When standard input ends, parley delivers what was typed; then with --connect it \
            says goodbye and exits (status 1 if any message could not be delivered), while with \
            --listen it keeps receiving until interrupted. SIGINT and SIGTERM close every \
            session cleanly.
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var sessionOptions: SessionOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Accept sessions on this address (':PORT' for every IPv4 interface; port 0 picks one).",
            valueName: "[addr]:port"))
    var listen: Endpoint?

    @Option(name: .long, help: ArgumentHelp("Open a session to this peer.", valueName: "host:port"))
    var connect: Endpoint?

    func validate() throws {
        if listen == nil && connect == nil {
            throw ValidationError("give --listen [ADDR]:PORT, --connect HOST:PORT, or both")
        }
    }

    func run() async throws {
        do {
            try await chat()
        } catch let failure as Failure {
            failure.exit()
        }
    }

    private func chat() async throws {
        let identity = try homeOptions.loadIdentity()
        let credentials = try SessionCredentials(identity: identity)
        let output = LineOutput()
        let chat = LineChat(output: output, ownNick: identity.nickname, stayAfterInput: listen != nil)
        output.line("* you are \(identity.nickname) (\(identity.fingerprint))")

        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { Task { await chat.quit() } }
        defer { signals.cancel() }
        // A signal before any session exists has nothing to close: exit at once.
        let started = ManagedFlag()
        Task {
            let status = await chat.finished()
            if !started.isSet { Foundation.exit(status.rawValue) }
        }

        var server: SessionServer?
        if let listen {
            do {
                server = try await SessionServer.bind(
                    host: listen.host, port: listen.port, credentials: credentials, config: sessionOptions.config
                ) { connection in
                    Task { await chat.attach(connection) }
                }
            } catch {
                throw Failure(message: "cannot listen on \(listen): \(error)", code: .failure)
            }
            let bound = server?.localAddress?.displayText ?? listen.description
            output.line("* listening on \(bound)")
        }
        if let connect {
            let connection: PeerConnection
            do throws(ConnectError) {
                connection = try await SessionConnector.connect(
                    host: connect.host, port: connect.port, credentials: credentials, config: sessionOptions.config)
            } catch {
                throw Failure(message: error.description, code: error.exitStatus)
            }
            await chat.attach(connection, isOutgoing: true)
        }
        started.set()

        InputReader.start { line in
            await chat.handle(line: line)
        } onEnd: {
            await chat.inputEnded()
        }

        let status = await chat.finished()
        await server?.close()
        if status != .success { Foundation.exit(status.rawValue) }
    }
}

/// A flag set once, readable from any thread.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
