import Identity
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Session
import Wire

@testable import Net

/// Two real sessions on `RelayCircuit`s joined back to back in memory, the way a relay joins
/// two circuits: what one end flushes is held until `pump()`, then arrives at the other end in
/// order; a circuit's close reaches the other end after the data sent before it, as the relay's
/// close. Everything runs on one `EmbeddedEventLoop`, driven by hand.
final class CircuitPair {
    let loop = EmbeddedEventLoop()
    let alice: End
    let bob: End

    /// One end: the link the circuit runs on, and what its session reported.
    final class End: CircuitLink {
        let name: String
        var circuit: RelayCircuit!
        weak var other: End?
        let recorded = NIOLockedValueBox<[SessionEvent]>([])
        /// Every data payload the circuit sent, in order.
        var sent: [[UInt8]] = []
        /// How many times the circuit flushed something.
        var flushes = 0
        var closesSent = 0
        /// Bytes the link pretends to hold for a relay that does not take them.
        var backlog = 0
        private var unflushed: [[UInt8]] = []
        /// Whether the circuit's `closed` promise has completed.
        var circuitClosed: Bool {
            let done = NIOLockedValueBox(false)
            circuit.closed.futureResult.whenSuccess { done.withLockedValue { $0 = true } }
            return done.withLockedValue { $0 }
        }
        fileprivate var inFlight: [[UInt8]] = []
        fileprivate var closeInFlight = false

        init(name: String) { self.name = name }

        var events: [SessionEvent] { recorded.withLockedValue { $0 } }

        var messages: [String] { events.compactMap { if case .message(let m) = $0 { m.text } else { nil } } }
        var delivered: [MessageID] { events.compactMap { if case .delivered(let id, _) = $0 { id } else { nil } } }
        var closeReason: CloseReason? {
            events.lazy.compactMap { if case .closed(let r) = $0 { r } else { nil } }.first
        }
        var isEstablished: Bool { events.contains { if case .established = $0 { true } else { false } } }

        func sendData(_ payload: [UInt8], on circuit: UInt32) {
            unflushed.append(payload)
            sent.append(payload)
        }

        func flushData() {
            guard !unflushed.isEmpty else { return }
            flushes += 1
            inFlight += unflushed
            unflushed = []
        }

        func circuitClosed(_ circuit: UInt32, written: EventLoopPromise<Void>) {
            closesSent += 1
            closeInFlight = true
            written.succeed(())
        }

        func isOverBacklog(limit: Int) -> Bool { backlog > limit }

        /// Circuits that asked the link to stop reading for them.
        var pausedCircuits: Set<UInt32> = []
        func setReading(_ reading: Bool, for circuit: UInt32) {
            if reading { pausedCircuits.remove(circuit) } else { pausedCircuits.insert(circuit) }
        }
    }

    init(config: SessionConfig = SessionConfig()) throws {
        alice = End(name: "alice")
        bob = End(name: "bob")
        alice.other = bob
        bob.other = alice
        let aliceIdentity = LocalIdentity.generate(nickname: "alice")
        let bobIdentity = LocalIdentity.generate(nickname: "bob")
        var aliceConfig = config
        aliceConfig.expectedPeer = .peerID(bobIdentity.peerID)
        var bobConfig = config
        bobConfig.expectedPeer = .peerID(aliceIdentity.peerID)
        alice.circuit = try Self.circuit(1, .initiator, aliceIdentity, aliceConfig, alice, loop)
        bob.circuit = try Self.circuit(0x8000_0000, .responder, bobIdentity, bobConfig, bob, loop)
    }

    deinit {
        // Circuits still open end with the pair (their `closed` promises must complete).
        alice.circuit.ended()
        bob.circuit.ended()
    }

    private static func circuit(
        _ id: UInt32, _ role: SessionMachine.Role, _ identity: LocalIdentity, _ config: SessionConfig, _ end: End,
        _ loop: EventLoop
    ) throws -> RelayCircuit {
        let machine = SessionMachine(
            role: role, credentials: try SessionCredentials(identity: identity), config: config)
        let recorded = end.recorded
        let driver = SessionDriver(machine: machine, eventLoop: loop) { event in
            recorded.withLockedValue { $0.append(event) }
        }
        return RelayCircuit(id: id, driver: driver, link: end)
    }

    /// Starts both ends (the initiator's first message waits for `pump`) and pumps until both are
    /// established.
    func establish() {
        alice.circuit.start()
        bob.circuit.start()
        pump()
    }

    /// Moves what was flushed across until nothing is in flight; `pieces` cuts every payload into
    /// pieces of that many bytes first (the relay may cut the stream anywhere).
    func pump(pieces: Int? = nil) {
        while true {
            var moved = false
            for end in [alice, bob] {
                guard let other = end.other else { continue }
                let payloads = end.inFlight
                end.inFlight = []
                for payload in payloads {
                    moved = true
                    if let pieces {
                        var start = 0
                        while start < payload.count {
                            let stop = min(start + pieces, payload.count)
                            other.circuit.receive(Array(payload[start..<stop]))
                            start = stop
                        }
                    } else {
                        other.circuit.receive(payload)
                    }
                }
                if end.closeInFlight, end.inFlight.isEmpty {
                    end.closeInFlight = false
                    moved = true
                    other.circuit.ended()
                }
            }
            if !moved { return }
        }
    }
}
