import Identity
import Noise
import Session
import Wire

/// `RelayLinkMachine` (Session/RelayLinkMachine*.swift) on the relay's side, against a scripted
/// client (alice). Starts as `SessionMachineTarget` does (raw handshake bytes, a fuzzed
/// message 3, or established), then input-chosen events, including bursts read with a
/// per-call message `limit` as the relay reads them.
///
/// Invariants: a `receive` yields at most `limit` messages; every send decrypts and decodes to a
/// relay message; nothing after `.close`; a closed link stays closed; only alice is established.
public enum RelayLinkMachineTarget {
    static let alicePayload = try! Fixtures.alice.handshakePayload().encode()

    static func freshMachine() -> RelayLinkMachine {
        RelayLinkMachine(
            role: .relay, credentials: Fixtures.credentials(Fixtures.bob), keyGenerator: FixedKeyGenerator(seed: 0x62))
    }

    static let awaitingMessage3: (RelayLinkMachine, ScriptedPeer.AwaitingMessage3) = {
        var machine = freshMachine()
        _ = machine.start(now: Fixtures.origin)
        let alice = ScriptedPeer.startHandshake(prologue: ProtocolVersion.relayPrologue, identity: Fixtures.alice) {
            machine.receive($0, now: Fixtures.origin).compactMap { if case .send(let b) = $0 { b } else { nil } }
        }
        return (machine, alice)
    }()

    static let established: (RelayLinkMachine, ScriptedPeer) = {
        var (machine, awaiting) = awaitingMessage3
        let (message3, alice) = ScriptedPeer.finishHandshake(awaiting, payload: alicePayload)
        _ = machine.receive(message3, now: Fixtures.origin)
        guard machine.isEstablished, let alice else { fatalError("the scripted relay handshake did not complete") }
        return (machine, alice)
    }()

    public static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        var run: RelayLinkRun
        switch input.byte() % 4 {
        case 0:
            var machine = freshMachine()
            let actions = machine.start(now: Fixtures.origin)
            run = RelayLinkRun(machine: machine, alice: nil)
            run.carryOut(actions, wasClosed: false, limit: .max)
        case 1:
            let (machine, awaiting) = awaitingMessage3
            var payload = alicePayload
            if input.bool() {
                payload = input.chunk()
            } else {
                for _ in 0..<Int(input.byte() % 8) { payload[input.below(payload.count)] = input.byte() }
            }
            let (message3, alice) = ScriptedPeer.finishHandshake(awaiting, payload: payload)
            run = RelayLinkRun(machine: machine, alice: nil)
            run.receive(message3, limit: .max)
            if run.machine.isEstablished { run.alice = alice }
        default:
            let (machine, alice) = established
            run = RelayLinkRun(machine: machine, alice: alice)
        }
        while !input.isAtEnd { run.step(&input) }
    }

    public static func seeds() -> [[UInt8]] {
        // The start, then per step the event and its fields (see `RelayLinkRun.step`); sample
        // messages by index in `RelayCoreTarget.sampleMessages()`.
        [
            // Established: register, list, ping; ten seconds; connection lost.
            [2, 2, 0, 2, 1, 2, 5, 5, 0x27, 0x10, 1, 7],
            // A burst of three read two at a time, then the link sends a message.
            [2, 8, 1, 3, 0, 1, 5, 4, 0],
            // Message 3 with alice's own payload, then a register.
            [1, 0, 0, 2, 0],
            // Raw bytes during the handshake.
            [0, 3, 16] + [UInt8](repeating: 7, count: 16),
            // A data message built from its type and body.
            [3, 1, 3, 8, 0, 0, 0, 1, 0x41, 0x42, 0x43, 0x44],
        ]
    }
}

struct RelayLinkRun {
    var machine: RelayLinkMachine
    var alice: ScriptedPeer?
    var now = Fixtures.origin
    var closeSeen = false

    init(machine: RelayLinkMachine, alice: ScriptedPeer?) {
        self.machine = machine
        self.alice = alice
    }

    mutating func step(_ input: inout FuzzInput) {
        let wasClosed = machine.isClosed
        let samples = RelayCoreTarget.sampleMessages()
        switch input.byte() % 9 {
        case 0:
            let plaintext = Array(input.chunk(long: true).prefix(RelayLimits.maxMessagePlaintext + 64))
            receive(seal(plaintext), limit: .max)
        case 1:
            let types: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0A, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x7F, 0x0B, 0x88]
            receive(seal([RelayMessage.formatVersion, types[Int(input.byte()) % types.count]] + input.chunk()), limit: .max)
        case 2:
            receive(seal(RelayCodec.encode(samples[Int(input.byte()) % samples.count])), limit: .max)
        case 3:
            receive(input.chunk(), limit: .max)
        case 4:
            carryOut(machine.send(samples[Int(input.byte()) % samples.count]), wasClosed: wasClosed, limit: .max)
        case 5:
            let step = Int64(input.uint16())
            now = now + (input.bool() ? .milliseconds(step) : .seconds(step % 128))
            carryOut(machine.tick(now: now), wasClosed: wasClosed, limit: .max)
        case 6:
            carryOut(machine.close(), wasClosed: wasClosed, limit: .max)
        case 7:
            carryOut(machine.connectionLost(), wasClosed: wasClosed, limit: .max)
        default:
            // A burst of messages in one read, taken `limit` at a time as the relay does.
            let limit = 1 + Int(input.byte() % 4)
            var burst: [UInt8] = []
            for _ in 0..<Int(input.byte() % 8) {
                burst += seal(RelayCodec.encode(samples[Int(input.byte()) % samples.count]))
            }
            receive(burst, limit: limit)
            var rounds = 0
            while machine.hasBufferedMessage {
                rounds += 1
                fuzzCheck(rounds <= 16, "buffered messages never drain")
                let closed = machine.isClosed
                carryOut(machine.receive([], now: now, limit: limit), wasClosed: closed, limit: limit)
            }
        }
        if wasClosed { fuzzCheck(machine.isClosed, "a closed link came back") }
    }

    mutating func seal(_ plaintext: [UInt8]) -> [UInt8] {
        guard var alice, let sealed = try? alice.transport.encrypt(plaintext) else { return [] }
        self.alice = alice
        return LengthPrefix.frame(sealed)
    }

    mutating func receive(_ bytes: [UInt8], limit: Int) {
        let wasClosed = machine.isClosed
        carryOut(machine.receive(bytes, now: now, limit: limit), wasClosed: wasClosed, limit: limit)
    }

    mutating func carryOut(_ actions: [RelayLinkAction], wasClosed: Bool, limit: Int) {
        if wasClosed { fuzzCheck(actions.isEmpty, "a closed link acted: \(actions)") }
        var messages = 0
        for action in actions {
            fuzzCheck(!closeSeen, "an action after .close: \(action)")
            switch action {
            case .send(let framed):
                guard var peer = alice else { continue }
                let plaintext = peer.open(framed)
                alice = peer
                fuzzCheck((try? RelayCodec.decode(plaintext)) != nil, "the link sent a message that does not decode")
            case .established(let info):
                fuzzCheck(info.peerID == Fixtures.aliceID, "established with someone other than alice")
            case .message:
                messages += 1
            case .closed:
                fuzzCheck(machine.isClosed, "reported closed but is not")
            case .close:
                closeSeen = true
            }
        }
        fuzzCheck(messages <= limit, "\(messages) messages from one receive with limit \(limit)")
    }
}
