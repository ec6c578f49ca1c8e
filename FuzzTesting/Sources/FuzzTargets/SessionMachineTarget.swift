import Identity
import Noise
import Session
import Wire

/// `SessionMachine` (Session/SessionMachine*.swift) as bob, the responder, against a scripted
/// alice. The first byte picks the start: a fresh machine fed raw bytes (the handshake), a
/// machine whose message 3 carries an input-chosen identity payload, or an established session
/// (handshake done once, copied per input). Then input-chosen events: frames alice encrypts
/// (valid or not), raw bytes, sends, pings, time, close.
///
/// Invariants: every send of an established machine decrypts and decodes to a known frame; one
/// `.close` at most, and nothing after it; a closed machine stays closed; an identity other than
/// alice's is never established; unacknowledged texts stay within `Limits.maxUnacknowledged`.
public enum SessionMachineTarget {
    static let alicePayload = try! Fixtures.alice.handshakePayload().encode()

    static func freshMachine() -> SessionMachine {
        SessionMachine(
            role: .responder, credentials: Fixtures.credentials(Fixtures.bob), keyGenerator: FixedKeyGenerator(seed: 0x61))
    }

    /// Bob after message 2, alice about to write message 3.
    static let awaitingMessage3: (SessionMachine, ScriptedPeer.AwaitingMessage3) = {
        var machine = freshMachine()
        _ = machine.start(now: Fixtures.origin)
        let alice = ScriptedPeer.startHandshake(prologue: ProtocolVersion.prologue, identity: Fixtures.alice) {
            machine.receive($0, now: Fixtures.origin).compactMap { if case .send(let b) = $0 { b } else { nil } }
        }
        return (machine, alice)
    }()

    static let established: (SessionMachine, ScriptedPeer) = {
        var (machine, awaiting) = awaitingMessage3
        let (message3, alice) = ScriptedPeer.finishHandshake(awaiting, payload: alicePayload)
        _ = machine.receive(message3, now: Fixtures.origin)
        guard machine.isEstablished, let alice else { fatalError("the scripted handshake did not complete") }
        return (machine, alice)
    }()

    public static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        var run: SessionRun
        switch input.byte() % 4 {
        case 0:
            var machine = freshMachine()
            let actions = machine.start(now: Fixtures.origin)
            run = SessionRun(machine: machine, alice: nil)
            run.carryOut(actions, wasClosed: false)
        case 1:
            let (machine, awaiting) = awaitingMessage3
            var payload = alicePayload
            if input.bool() {
                payload = input.chunk()
            } else {
                for _ in 0..<Int(input.byte() % 8) { payload[input.below(payload.count)] = input.byte() }
            }
            let (message3, alice) = ScriptedPeer.finishHandshake(awaiting, payload: payload)
            run = SessionRun(machine: machine, alice: nil)
            run.receive(message3, input: &input)
            if run.machine.isEstablished { run.alice = alice }
        default:
            let (machine, alice) = established
            run = SessionRun(machine: machine, alice: alice)
        }
        while !input.isAtEnd { run.step(&input) }
    }

    public static func seeds() -> [[UInt8]] {
        // The start, then per step the event and its fields (see `SessionRun.step`).
        let hello = Array("hello bob".utf8)
        return [
            // Established: alice sends a text (id 5).
            [2, 13, 5, 0, 0, 0, 0, 0, 0, 0, 1, UInt8(hello.count)] + hello + [3],
            // Bob sends a text, alice acknowledges it, a second passes, bob pings, alice answers.
            [2, 5, 0, 3, 0x68, 0x69, 0x21, 9, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 7, 6, 0x03, 0xE8, 1, 9, 3, 0],
            // Raw bytes during the handshake.
            [0, 4, 32] + [UInt8](repeating: 9, count: 32) + [5],
            // Message 3 with alice's own payload, then a close.
            [1, 0, 0, 10, 0],
            // A nickname, a voice frame, the connection lost.
            [2, 8, 5, 0x63, 0x61, 0x72, 0x6F, 0x6C, 7, 0, 11],
            // A text frame too short for its fields.
            [2, 1, 0, 3, 1, 2, 3, 0],
        ]
    }
}

/// One run of the session target: the machine, alice's side once established, the clock.
struct SessionRun {
    var machine: SessionMachine
    var alice: ScriptedPeer?
    var now = Fixtures.origin
    var closeSeen = false
    /// IDs of texts bob sent (alice may acknowledge them) and the last ping token.
    var sentTexts: [MessageID] = []
    var lastPing: UInt64?

    init(machine: SessionMachine, alice: ScriptedPeer?) {
        self.machine = machine
        self.alice = alice
    }

    mutating func step(_ input: inout FuzzInput) {
        let wasClosed = machine.closeReason != nil
        switch input.byte() % 14 {
        case 0:
            // Any plaintext alice encrypts.
            let plaintext = Array(input.chunk(long: true).prefix(Limits.maxFramePlaintext + 64))
            sendFromAlice(plaintext, input: &input)
        case 1:
            // A frame of a known type with an input-chosen body.
            let types: [UInt8] = [1, 2, 3, 4, 5, 6, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x7F]
            let type = types[Int(input.byte()) % types.count]
            sendFromAlice([Frame.formatVersion, type] + input.chunk(), input: &input)
        case 2:
            let id = sentTexts.isEmpty ? input.uint64() : sentTexts[input.below(sentTexts.count)]
            sendFromAlice(FrameCodec.encode(.ack(id: id)), input: &input)
        case 3:
            sendFromAlice(FrameCodec.encode(.pong(token: lastPing ?? input.uint64())), input: &input)
        case 4:
            // Raw bytes on the stream, not encrypted by alice.
            receive(input.chunk(), input: &input)
        case 5:
            let text = String(decoding: input.chunk(long: input.bool()), as: UTF8.self)
            let id = MessageID(input.byte())
            carryOut((try? machine.sendText(text, id: id, sentAt: input.uint64(), now: now)) ?? [], wasClosed: wasClosed)
        case 6:
            let step = Int64(input.uint16())
            now = now + (input.bool() ? .milliseconds(step) : .seconds(step % 64))
            carryOut(machine.tick(now: now), wasClosed: wasClosed)
        case 7:
            let frames = FrameCodecTarget.sampleFrames().filter { !$0.isSessionFrame }
            let frame = frames[Int(input.byte()) % frames.count]
            carryOut((try? machine.sendFrame(frame, now: now)) ?? [], wasClosed: wasClosed)
        case 8:
            let nickname = String(decoding: input.chunk(), as: UTF8.self)
            carryOut((try? machine.sendNickname(nickname, now: now)) ?? [], wasClosed: wasClosed)
        case 9:
            carryOut((try? machine.ping(now: now)) ?? [], wasClosed: wasClosed)
        case 10:
            carryOut(machine.close(now: now, reason: ByeReason(wireValue: input.byte() % 4)), wasClosed: wasClosed)
        case 11:
            carryOut(machine.connectionLost(), wasClosed: wasClosed)
        case 12:
            carryOut(machine.abort(.peerNotReading), wasClosed: wasClosed)
        default:
            // A well-formed text from alice; IDs from a small range, so that duplicates happen.
            let frame = Frame.text(
                id: MessageID(input.byte()), sentAt: input.uint64(),
                text: String(decoding: input.chunk(), as: UTF8.self))
            sendFromAlice(FrameCodec.encode(frame), input: &input)
        }
        fuzzCheck(
            machine.unacknowledgedCount <= Limits.maxUnacknowledged,
            "\(machine.unacknowledgedCount) unacknowledged texts, limit \(Limits.maxUnacknowledged)")
        if wasClosed { fuzzCheck(machine.closeReason != nil, "a closed session came back") }
    }

    mutating func sendFromAlice(_ plaintext: [UInt8], input: inout FuzzInput) {
        guard var alice, let sealed = try? alice.transport.encrypt(plaintext) else { return }
        self.alice = alice
        receive(LengthPrefix.frame(sealed), input: &input)
    }

    /// Hands `bytes` over in one piece or two, split where the input says.
    mutating func receive(_ bytes: [UInt8], input: inout FuzzInput) {
        let wasClosed = machine.closeReason != nil
        let split = bytes.isEmpty ? 0 : Int(input.byte()) % (bytes.count + 1)
        carryOut(machine.receive(bytes[..<split], now: now), wasClosed: wasClosed)
        let secondClosed = machine.closeReason != nil
        carryOut(machine.receive(bytes[split...], now: now), wasClosed: secondClosed)
    }

    mutating func carryOut(_ actions: [SessionAction], wasClosed: Bool) {
        if wasClosed { fuzzCheck(actions.isEmpty, "a closed session acted: \(actions)") }
        for action in actions {
            fuzzCheck(!closeSeen, "an action after .close: \(action)")
            switch action {
            case .send(let framed):
                guard var peer = alice else { continue }
                let plaintext = peer.open(framed)
                alice = peer
                guard case .frame(let frame)? = try? FrameCodec.decode(plaintext) else {
                    fatalError("invariant broken: bob sent a frame that does not decode: \(plaintext)")
                }
                if case .text(let id, _, _) = frame { sentTexts.append(id) }
                if case .ping(let token) = frame { lastPing = token }
            case .deliver(.established(let info)):
                fuzzCheck(info.peerID == Fixtures.aliceID, "established with someone other than alice")
            case .deliver(.message(let message)):
                fuzzCheck(message.text.utf8.count <= Limits.maxTextBytes, "delivered a text over the limit")
            case .deliver(.closed):
                fuzzCheck(machine.closeReason != nil, "reported closed but is not")
            case .deliver:
                break
            case .close:
                closeSeen = true
            }
        }
    }
}
