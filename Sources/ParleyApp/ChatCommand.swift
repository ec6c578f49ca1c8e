import ArgumentParser
import ChatClient
import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session
import Store
import TUI

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with peers over direct, end-to-end encrypted sessions.",
        discussion: """
            On a terminal, a full-screen client (see parley(1), FULL-SCREEN CLIENT); with pipes or \
            --plain, a line-oriented one with the same commands: each line goes to every connected \
            peer (the room #lan) and '* #N delivered to NICK' shows its acknowledgement; lines \
            starting with '/' are commands (/help lists them; '//' sends a line starting with '/').

            History, the outbox and the known peers live in parley.sqlite in the identity \
            directory. Every message is written to the outbox before it is sent and is sent again, \
            with its original ID, whenever a session with its peer comes up, until acknowledged: \
            nothing typed is lost to an absent peer or a killed process. A known nickname \
            presenting another key is refused until '/verify NICK accept'.

            Without --listen and --connect, parley discovers peers on the local network: it \
            listens on a free TCP port, announces it over multicast, shows peers appearing and \
            leaving, and '/msg NICK TEXT' opens an encrypted session to a discovered peer, which \
            must prove the identity it announced.

            With --relay, parley also registers on that relay: /peers lists the peers of your \
            relay network, '/msg NICK TEXT' reaches a peer known only through the relay, and \
            peers may open sessions to you through it. Relayed sessions are end-to-end \
            encrypted exactly like direct ones; the relay cannot read them. With --relay lan, \
            parley uses a relay announced on the local network ('parley relay --announce'), \
            which must prove the identity it announced; without --relay, it only shows the \
            relays announced, and '/relay lan' uses one.

            --connect reconnects with backoff (0.5 s doubling up to 5 s, with jitter) when the \
            session is lost or nobody listens there yet, until you quit. When standard input ends \
            (line mode), parley delivers what was typed; then with --connect it says goodbye and \
            exits (status 1 if any message could not be delivered, 3 if the address refused it), \
            while with --listen or discovering it keeps receiving until interrupted. SIGINT and \
            SIGTERM close every session cleanly and say goodbye on the LAN.

            '/call NICK' rings a peer; '/answer' or '/decline' an incoming call, '/hangup' ends \
            it, '/mute' toggles the microphone. Calls use ALSA's 'default' devices unless \
            --input/--input-device and --output-device say otherwise; a device that cannot be \
            opened is reported and the call goes on without it. --auto-answer answers every call.
            """)

    @OptionGroup var homeOptions: HomeOptions
    @OptionGroup var sessionOptions: SessionOptions
    @OptionGroup var interfaceOptions: InterfaceOptions
    @OptionGroup var relayOptions: RelayOptions
    @OptionGroup var pathOptions: PathOptions
    @OptionGroup var audio: CallAudioOptions
    @OptionGroup var codec: CodecOptions
    @OptionGroup var files: ChatFileOptions
    @OptionGroup var logs: ChatLogOptions
    @OptionGroup var config: ChatConfigOptions
    @OptionGroup var colors: ChatColorOptions

    @Flag(
        name: .customLong("auto-answer"),
        help: "Answer every call at once (an unattended host; with --input it plays that file to each caller).")
    var autoAnswer = false

    @Option(
        name: .customLong("announce-interval"),
        help: ArgumentHelp(
            "Seconds between announcements when discovering, with 10 % jitter (default: 10); peers forget you after three.",
            valueName: "seconds"))
    var announceInterval: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Accept sessions on this address (':PORT' for every IPv4 interface; port 0 picks one).",
            valueName: "[addr]:port"))
    var listen: Endpoint?

    @Option(name: .long, help: ArgumentHelp("Open a session to this peer.", valueName: "host:port"))
    var connect: Endpoint?

    @Flag(
        name: .long,
        help: "Line-oriented output even on a terminal (the default when standard input or output is not one).")
    var plain = false

    @Flag(
        inversion: .prefixedNo,
        help: "Full-screen client: ring the terminal bell for a new message in a conversation not on screen.")
    var bell = true

    @Option(
        name: .customLong("highlight"),
        help: ArgumentHelp(
            "Full-screen client: a word that marks a message as a mention, like your nickname (repeat for more).",
            valueName: "word"))
    var highlight: [String] = []

    @Option(
        name: .customLong("notify-terminal"),
        help: ArgumentHelp(
            "Full-screen client: how the terminal notifies a mention or a private message (auto: by the terminal).",
            valueName: "mode"))
    var notifyTerminal: TerminalNotification?

    @Flag(
        name: .customLong("notify-send"), inversion: .prefixedNo,
        help: "Full-screen client: a desktop notification (notify-send) for a mention or a private message, when a desktop is there.")
    var notifySend = true

    @Flag(
        name: .customLong("smart-filter"), inversion: .prefixedNo,
        help: "Full-screen client: fold #lan's lines about peers coming, going and moving unless they wrote within 5 minutes.")
    var smartFilter = true

    /// Without an address, the chat finds its peers on the LAN.
    var discovers: Bool { listen == nil && connect == nil }

    func validate() throws {
        if relayOptions.relay == nil, pathOptions.path == .relay {
            throw ValidationError("--path relay needs --relay")
        }
        if !discovers && announceInterval != nil {
            throw ValidationError("--announce-interval applies only when discovering (without --listen and --connect)")
        }
        if !discovers && !relayOptions.usesLAN && !interfaceOptions.interfaces.isEmpty {
            throw ValidationError(
                "--interface applies only when discovering (without --listen and --connect) or with --relay lan")
        }
        if let announceInterval, !(announceInterval >= 0.1 && announceInterval <= 3600) {
            throw ValidationError("--announce-interval must be between 0.1 and 3600 seconds")
        }
    }

    func run() async throws {
        try await Failure.exitingOnFailure { try await chat() }
    }

    /// The slash commands both clients understand, as `/help` lists them.
    static var lineCommands: [String] { CommandHelp.all.map { "/" + $0.name } }

    /// The full-screen client runs when both ends are a terminal and --plain is not given.
    var usesFullScreen: Bool { !plain && isatty(0) == 1 && isatty(1) == 1 }

    private func chat() async throws {
        let identity = try homeOptions.loadIdentity()
        // One chat per home: a second one would answer for the same identity and outbox.
        let homeLock = try HomeLock.acquire(directory: homeOptions.store.directory)
        defer { withExtendedLifetime(homeLock) {} }
        let credentials = try SessionCredentials(identity: identity)
        let store = try Self.openStore(in: homeOptions.store.directory)
        let fullScreen = usesFullScreen
        let output = LineOutput()
        let (updates, updateSink) = AsyncStream.makeStream(of: ModelUpdate.self)
        let display = try logs.wrap(fullScreen ? ScreenDisplay(updates: updateSink) : PlainDisplay(output: output))
        var options = ChatController.Options()
        options.stayAfterInput = listen != nil || discovers || fullScreen
        options.reconnectsTarget = connect != nil
        options.identityStore = homeOptions.store
        options.credentials = credentials
        let relay = RelayFeature(
            credentials: credentials, sessionConfig: sessionOptions.chatConfig, network: relayOptions.network,
            configured: relayOptions.target, lan: LANRelayWatch(listener: relayListener(identity: identity)),
            lanPin: relayOptions.usesLAN ? relayOptions.expected : nil)
        try audio.checkInputFile()
        let calls = CallFeature(options: callOptions)
        options.features = ChatFeatures(calls: calls, relay: relay, files: FileFeature(options: files.options))
        if !config.noConfig {
            let environment = ProcessInfo.processInfo.environment
            // The command line as typed (before config.toml's options were put in front of it).
            let typed = Array(CommandLine.arguments.dropFirst().drop { $0 == "chat" })
            options.features.settings = ConfigSettings(
                path: config.file ?? ConfigFile.defaultPath(environment), commandLine: typed)
        }
        let chat = ChatController(identity: identity, store: store, display: display, options: options)
        // Every task the chat starts belongs to this run and is cancelled when the chat ends.
        async let running: Void = chat.run()
        await calls.start(chat: chat)
        // Before the screen takes over: these lines are for the terminal or the pipe.
        display.show(.notice("you are \(identity.nickname) (\(identity.fingerprint))", in: .room))
        await chat.start()

        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { chat.tasks.spawn { await chat.quit() } }
        defer { signals.cancel() }
        // A signal before any session exists has nothing to close: exit at once.
        let started = ManagedFlag()
        chat.tasks.spawn {
            let status = await chat.finished()
            if !started.isSet { Foundation.exit(status.rawValue) }
        }

        var server: SessionServer?
        let listen = discovers ? Endpoint(host: "0.0.0.0", port: 0) : self.listen
        if let listen {
            do {
                server = try await SessionServer.bind(
                    host: listen.host, port: listen.port, credentials: credentials, config: sessionOptions.chatConfig
                ) { connection in
                    chat.tasks.spawn { await chat.attach(connection) }
                }
            } catch {
                throw Failure(message: "cannot listen on \(listen): \(error)", code: .failure)
            }
            let bound = server?.localAddress?.displayText ?? listen.description
            display.show(.notice("listening on \(bound)", in: .room))
        }
        // Connections the listener's caps turn away are counted and shown (ListenerLimits).
        if let server { chat.tasks.spawn { await ListenerWatch.run(server: server, display: display) } }
        if discovers, let port = server?.localAddress?.port {
            let service = try await startDiscovery(
                identity: identity, credentials: credentials, port: port, chat: chat, display: display)
            await relay.lan.watch(service.relayEvents, chat: chat)
        }
        await chat.configurePaths(pathOptions.chosenPath, headStart: pathOptions.headStart)
        if let target = relayOptions.target {
            await relay.lan.setMode(.quiet)
            try await relay.start(target, chat: chat)
        } else if relayOptions.usesLAN {
            await relay.useLAN(chat: chat)
        }
        // The --connect target: connected, and reconnected whenever lost, until the chat ends
        // (a job of the chat's run, cancelled with it).
        if let connect {
            let target = ConnectTarget(
                endpoint: connect, credentials: credentials, config: sessionOptions.chatConfig, chat: chat)
            chat.tasks.spawn { await target.run() }
        }
        started.set()

        if fullScreen {
            await runScreen(identity: identity, chat: chat, updates: updates)
        } else {
            // Standard input, line by line: a job of the chat's run, so its consumer ends with
            // the chat (a signal, /quit) even while input stays open.
            chat.tasks.spawn {
                await InputReader.run { line in
                    await chat.handle(line: line)
                } onEnd: {
                    await chat.inputEnded()
                }
            }
        }

        let status = await chat.finished()
        updateSink.finish()
        await server?.close()
        await running
        if status != .success { Foundation.exit(status.rawValue) }
    }

    /// The history database in the identity directory; a clear error and exit status 1 when it
    /// is damaged (SQLite's quick check finds a fault: the chat would acknowledge messages into a
    /// broken file), locked, full, or cannot be opened.
    static func openStore(in directory: String) throws -> ParleyStore {
        do {
            let store = try ParleyStore(directory: directory)
            try store.checkIntegrity()
            return store
        } catch {
            throw Failure(message: error.description, code: .failure)
        }
    }
}
