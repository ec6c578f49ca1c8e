import Foundation
import Identity
import Net
import Session
import Wire

/// The line-oriented client: owns the sessions, turns typed lines into messages and session
/// events into lines. One actor, so output stays in order.
actor LineChat {
    struct Entry {
        let connection: PeerConnection
        let isOutgoing: Bool
        /// Read when the session starts: after the connection closes it is no longer known.
        let address: String
        var peer: PeerInfo?
        /// Our messages this peer has not acknowledged yet: message ID → the number shown.
        var pending: [MessageID: Int] = [:]
        /// The discovered peer this session was opened for by /msg.
        var dialed: PeerID?
        /// Reads the session's events; ends after `.closed` has been handled.
        var consumer: Task<Void, Never>?
    }

    let output: LineOutput
    private let ownNick: String
    private let stayAfterInput: Bool
    var entries: [ObjectIdentifier: Entry] = [:]
    private var waiting: [(number: Int, text: String)] = []
    var nextNumber = 1
    private var inputDone = false
    var failures = 0
    /// LAN discovery, when `parley chat` runs without an address (see LineChat+Discovery).
    var discovery: DiscoveryService?
    var connector: (@Sendable (DiscoveredPeer) async throws -> PeerConnection)?
    var discovered: [PeerID: DiscoveredPeer] = [:]
    /// Messages for a discovered peer whose session is being opened.
    var dialing: [PeerID: [(number: Int, text: String)]] = [:]
    /// The relay, when `parley chat --relay` runs (see LineChat+Relay).
    var relayState = RelayChatState()
    private var status: ExitStatus?
    private var finishWaiters: [CheckedContinuation<ExitStatus, Never>] = []

    init(output: LineOutput, ownNick: String, stayAfterInput: Bool) {
        self.output = output
        self.ownNick = ownNick
        self.stayAfterInput = stayAfterInput
    }

    // MARK: Sessions

    func attach(_ connection: PeerConnection, isOutgoing: Bool = false, dialed: PeerID? = nil, address: String? = nil) {
        let key = ObjectIdentifier(connection)
        entries[key] = Entry(
            connection: connection, isOutgoing: isOutgoing,
            address: address ?? (connection.isRelayed ? relayLabel : connection.remoteAddressText),
            dialed: dialed)
        entries[key]?.consumer = Task {
            for await event in connection.events { self.handle(event, on: key) }
        }
    }

    private func handle(_ event: SessionEvent, on key: ObjectIdentifier) {
        guard var entry = entries[key] else { return }
        switch event {
        case .established(let peer):
            entry.peer = peer
            entries[key] = entry
            output.line("* connected: \(peer.nickname) \(peer.fingerprint) at \(entry.address)")
            let queued = waiting
            waiting.removeAll()
            for item in queued { send(item.text, number: item.number, to: [key]) }
            sessionEstablished(with: peer, key: key)
            finishIfIdle()
        case .message(let message):
            output.message(from: entry.peer?.nickname ?? "?", text: message.text)
        case .delivered(let id, let roundTrip):
            guard let number = entry.pending.removeValue(forKey: id) else { return }
            entries[key] = entry
            output.line("* #\(number) delivered to \(entry.peer?.nickname ?? "?") (\(roundTrip.millisecondsText))")
            finishIfIdle()
        case .roundTrip, .frame:
            break  // calls are not wired into chat yet: voice and call frames are ignored
        case .sendFailed(let id, let error):
            guard let number = entry.pending[id] else { return }
            sendFailed(number: number, id: id, key: key, error: error)
        case .closed(let reason):
            entries[key] = nil
            let who = entry.peer?.nickname ?? entry.address
            switch reason {
            case .peerClosed: output.line("* \(who) left")
            case .localClose: output.line("* closed the session with \(who)")
            default: output.line("! session with \(who) ended: \(reason)")
            }
            for number in entry.pending.values.sorted() {
                failures += 1
                output.line("! #\(number) not delivered to \(who): \(reason)")
            }
            if entry.peer == nil, let dialed = entry.dialed { dialFailed(dialed, reason: reason.description) }
            if entry.isOutgoing && !stayAfterInput {
                finish(entry.peer == nil ? reason.exitStatus : (failures > 0 ? .failure : .success))
            } else {
                finishIfIdle()
            }
        }
    }

    // MARK: Input

    func handle(line rawLine: String) {
        let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : rawLine
        if line.hasPrefix("//") {
            submit(String(line.dropFirst()))
        } else if line.hasPrefix("/") {
            command(line)
        } else if !line.isEmpty {
            submit(line)
        }
    }

    func inputEnded() {
        inputDone = true
        finishIfIdle()
    }

    func quit() async {
        for entry in entries.values {
            await entry.connection.close()
            // Every line about the session (its close, undelivered messages) is out before exit.
            await entry.consumer?.value
        }
        await stopDiscovery()
        await stopRelay()
        for item in waiting {
            failures += 1
            output.line("! #\(item.number) not sent: no peer connected")
        }
        waiting.removeAll()
        finish(failures > 0 ? .failure : .success)
    }

    private func command(_ line: String) {
        let name = line.split(separator: " ", maxSplits: 1).first.map(String.init) ?? line
        switch name {
        case "/help":
            for helpLine in Self.help { output.line(helpLine) }
        case "/quit":
            Task { await self.quit() }
        case "/peers":
            listPeers()
        case "/msg":
            directMessage(line)
        default:
            output.line("! unknown command \(name); /help lists the commands")
        }
    }

    static let help = [
        "* commands:",
        "*   /help    this list",
        "*   /peers   the connected peers: nickname, fingerprint, address, round trip;",
        "*            then the peers discovered on the LAN but not connected",
        "*   /msg NICK TEXT   send TEXT to NICK only, opening a session to a discovered or relay peer",
        "*   /quit    say goodbye to every peer and exit",
        "*   //text   send a line that starts with '/'",
        "* any other line is sent to every connected peer",
    ]

    private func listPeers() {
        let live = entries.values.compactMap { e in e.peer.map { (e, $0) } }
        if live.isEmpty { output.line("* no peers connected") }
        listDiscovered(excluding: Set(live.map(\.1.peerID)))
        listRelayPeers(excluding: Set(live.map(\.1.peerID)))
        for (entry, peer) in live.sorted(by: { $0.1.nickname < $1.1.nickname }) {
            let address = entry.address
            let connection = entry.connection
            Task {
                let rtt = await connection.roundTrip().map(\.millisecondsText) ?? "-"
                self.output.line("* \(peer.nickname) \(peer.fingerprint) \(address) rtt \(rtt)")
            }
        }
    }

    private func submit(_ text: String) {
        guard text.utf8.count <= Limits.maxTextBytes else {
            output.line("! not sent: \(text.utf8.count) bytes; the limit is \(Limits.maxTextBytes)")
            return
        }
        let number = nextNumber
        nextNumber += 1
        let targets = entries.filter { $0.value.peer != nil }.map(\.key)
        if targets.isEmpty {
            waiting.append((number, text))
            output.line("* #\(number) waits for a peer")
        } else {
            send(text, number: number, to: targets)
        }
    }

    func send(_ text: String, number: Int, to keys: [ObjectIdentifier]) {
        let id = MessageID.random(in: 1...MessageID.max)
        for key in keys {
            guard let entry = entries[key] else { continue }
            entries[key]?.pending[id] = number
            let connection = entry.connection
            Task {
                do {
                    try await connection.send(text, id: id)
                } catch {
                    self.sendFailed(number: number, id: id, key: key, error: error)
                }
            }
        }
    }

    private func sendFailed(number: Int, id: MessageID, key: ObjectIdentifier, error: Error) {
        guard entries[key]?.pending.removeValue(forKey: id) != nil else { return }
        failures += 1
        output.line("! #\(number) not sent: \(error)")
        finishIfIdle()
    }

    // MARK: Ending

    private func finishIfIdle() {
        guard inputDone, !stayAfterInput, waiting.isEmpty, entries.values.allSatisfy({ $0.pending.isEmpty }) else {
            return
        }
        guard entries.values.allSatisfy({ $0.peer != nil }) else { return }
        Task { await self.quit() }
    }

    private func finish(_ result: ExitStatus) {
        guard status == nil else { return }
        status = result
        for waiter in finishWaiters { waiter.resume(returning: result) }
        finishWaiters.removeAll()
    }

    func finished() async -> ExitStatus {
        if let status { return status }
        return await withCheckedContinuation { finishWaiters.append($0) }
    }
}
