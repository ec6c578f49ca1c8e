import Identity
import Session
import Wire

/// `CallMachine` (Session/CallMachine*.swift): alice's and bob's machines joined by two ordered
/// signal queues (a session is an ordered stream), driven by input-chosen user commands, signal
/// deliveries, time, session ends, and signals decoded from input bytes with `FrameCodec` (so any
/// call frame the wire admits reaches the machines), from carol or as if from the other side.
///
/// Invariants, per machine: media is started only when none runs and only with valid
/// parameters, stopped only for the call that runs, and runs exactly while `activeCall` is set.
/// Between the two, unless a signal was forged in one's name: when nothing is in flight and both
/// are in a call with each other, it is the same call, with the same parameters, and exactly one
/// of them placed it.
public enum CallMachineTarget {
    static let paramChoices = [
        CallParams(), CallParams(sampleRate: 16000, frameDurationTenthsMs: 400, bitrate: 12000, fec: false),
        CallParams(sampleRate: 24000, channels: 2, frameDurationTenthsMs: 100, bitrate: 64000, dtx: true),
    ]

    public static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        var run = CallRun(
            alice: CallMachine(config: CallConfig(params: paramChoices[Int(input.byte()) % paramChoices.count])),
            bob: CallMachine(config: CallConfig(params: paramChoices[Int(input.byte()) % paramChoices.count])))
        while !input.isAtEnd { run.step(&input) }
    }

    public static func seeds() -> [[UInt8]] {
        // Two parameter choices, then per step a side, the event and its fields (see `CallRun.step`).
        let answered: [UInt8] = [0, 0, 5, 1, 1, 3, 0, 3, 1, 1, 0, 3]
        // alice calls bob, it rings, bob answers; a second of reports; alice hangs up.
        let call = [0, 0] + answered + [0, 4, 0x03, 0xE8, 1, 1, 3, 0, 3, 0, 8, 1, 3]
        // Glare: both call at once.
        let glare: [UInt8] = [1, 2, 0, 0, 5, 1, 1, 0, 9, 1, 1, 3, 0, 3, 1, 3, 0, 3, 1, 3, 0, 3]
        // carol calls bob with a frame off the wire while he is in a call; time runs out.
        let invite = FrameCodec.encode(.call(.invite(77, offer: CallParams())))
        let carol = [0, 1] + answered + [1, 6, 0, UInt8(invite.count)] + invite + [0, 4, 0, 40, 0]
        return [call, glare, carol]
    }
}

struct CallRun {
    var machines: [CallMachine]
    /// Signals in flight: `queues[i]` goes to machine i, in order.
    var queues: [[CallSignal]] = [[], []]
    var media: [CallID?] = [nil, nil]
    var now = Fixtures.origin
    /// Set once a signal was forged in the other side's name: from then on the two may disagree.
    var forged = false
    var placed: CallID = 0
    static let ids = [Fixtures.alice.peerID, Fixtures.bob.peerID]
    static let carol = Fixtures.carol.peerID

    init(alice: CallMachine, bob: CallMachine) { machines = [alice, bob] }

    mutating func step(_ input: inout FuzzInput) {
        let side = Int(input.byte() % 2)
        let other = Self.ids[1 - side]
        switch input.byte() % 9 {
        case 0:
            // Callers draw call IDs at random (64 bits): never reused. Unique here through a
            // counter in the low bits; the input orders them (which side wins a glare).
            placed += 1
            let callID = CallID(input.byte()) << 32 | placed
            carryOut((try? machines[side].place(to: input.bool() ? other : Self.carol, callID: callID, now: now)) ?? [], side)
        case 1:
            carryOut((try? machines[side].answer(now: now)) ?? [], side)
        case 2:
            carryOut((try? machines[side].decline(now: now)) ?? [], side)
        case 3:
            // Deliver the next signal in flight to this side.
            guard !queues[side].isEmpty else { break }
            let signal = queues[side].removeFirst()
            carryOut(machines[side].receive(signal, from: other, now: now), side)
        case 4:
            let step = Int64(input.uint16())
            now = now + (input.bool() ? .milliseconds(step) : .seconds(step % 64))
            carryOut(machines[0].tick(now: now), 0)
            carryOut(machines[1].tick(now: now), 1)
        case 5:
            // The session between them ended: what was in flight is lost, both sides are told.
            queues = [[], []]
            carryOut(machines[0].sessionClosed(peer: Self.ids[1], now: now), 0)
            carryOut(machines[1].sessionClosed(peer: Self.ids[0], now: now), 1)
        case 6:
            // A call frame as it came off the wire, from carol or from a hostile build of the
            // other side (any signal the codec admits, out of turn, with any parameters).
            let from = input.bool() ? other : Self.carol
            forged = forged || from == other
            let bytes = input.chunk()
            if case .frame(.call(let signal))? = try? FrameCodec.decode(bytes) {
                carryOut(machines[side].receive(signal, from: from, now: now), side)
            }
        case 7:
            let callID = machines[side].current?.callID ?? CallID(input.byte() % 16)
            _ = machines[side].mediaReceived(callID: callID, from: input.bool() ? other : Self.carol, now: now)
        default:
            carryOut((try? machines[side].hangup(now: now)) ?? [], side)
        }
        for side in 0..<2 {
            fuzzCheck(machines[side].activeCall?.callID == media[side], "media runs for \(String(describing: media[side])), the active call is \(String(describing: machines[side].activeCall))")
        }
        checkAgreement()
    }

    mutating func carryOut(_ actions: [CallAction], _ side: Int) {
        for action in actions {
            switch action {
            case .send(let signal, let to):
                if to == Self.ids[1 - side] { queues[1 - side].append(signal) }
            case .sendReport(let callID, let to):
                let report = CallReport(
                    framesReceived: 50, framesLost: 0, framesLate: 0, jitterMicroseconds: 100, bufferDepthMilliseconds: 40)
                if to == Self.ids[1 - side] { queues[1 - side].append(.report(callID, report)) }
            case .startMedia(let call):
                fuzzCheck(media[side] == nil, "media started for \(call.callID) while \(media[side]!) runs")
                fuzzCheck(call.params.isValid, "media started with invalid parameters \(call.params)")
                media[side] = call.callID
            case .stopMedia(let callID):
                fuzzCheck(media[side] == callID, "stopMedia(\(callID)) while \(String(describing: media[side])) runs")
                media[side] = nil
            case .notify:
                break
            }
        }
    }

    func checkAgreement() {
        guard !forged, queues[0].isEmpty, queues[1].isEmpty,
            let a = machines[0].activeCall, let b = machines[1].activeCall,
            a.peer == Self.ids[1], b.peer == Self.ids[0]
        else { return }
        fuzzCheck(a.callID == b.callID, "alice is in call \(a.callID), bob in \(b.callID)")
        fuzzCheck(a.params == b.params, "alice and bob run different parameters")
        fuzzCheck(a.isCaller != b.isCaller, "both or neither placed the call")
    }
}
