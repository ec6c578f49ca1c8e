import Identity
import Testing
import Wire

@testable import Session

/// Identities shared by the tests; generating them is the slow part.
enum People {
    static let alice = LocalIdentity.generate(nickname: "alice")
    static let bob = LocalIdentity.generate(nickname: "bob")
    static let mallory = LocalIdentity.generate(nickname: "mallory")

    static func credentials(_ identity: LocalIdentity, capabilities: Capabilities = .current) -> SessionCredentials {
        try! SessionCredentials(identity: identity, capabilities: capabilities)
    }
}

enum Side: CustomStringConvertible {
    case initiator, responder
    var other: Side { self == .initiator ? .responder : .initiator }
    var description: String { self == .initiator ? "initiator" : "responder" }
}

/// Two session machines back to back in memory, an initiator and a responder, with a hand-driven
/// clock. Every `.send` goes into the other side's inbox; `deliver`/`pump` move it across.
/// A class, so that its driving methods can be called inside `#expect`.
final class SessionPair {
    static let origin = Instant(nanoseconds: 1_000_000_000_000)

    var initiator: SessionMachine
    var responder: SessionMachine
    var now = SessionPair.origin

    /// Framed bytes sent by the other side and not received yet, one entry per `.send`.
    var inbox: [Side: [[UInt8]]] = [.initiator: [], .responder: []]
    /// Everything each side asked for, in order.
    var actions: [Side: [SessionAction]] = [.initiator: [], .responder: []]

    init(
        initiator: SessionCredentials = People.credentials(People.alice),
        responder: SessionCredentials = People.credentials(People.bob),
        initiatorConfig: SessionConfig = SessionConfig(),
        responderConfig: SessionConfig = SessionConfig()
    ) {
        self.initiator = SessionMachine(role: .initiator, credentials: initiator, config: initiatorConfig)
        self.responder = SessionMachine(role: .responder, credentials: responder, config: responderConfig)
    }

    subscript(side: Side) -> SessionMachine {
        get { side == .initiator ? initiator : responder }
        set {
            if side == .initiator { initiator = newValue } else { responder = newValue }
        }
    }

    // MARK: What happened

    func events(_ side: Side) -> [SessionEvent] {
        actions[side, default: []].compactMap { if case .deliver(let e) = $0 { e } else { nil } }
    }

    func sends(_ side: Side) -> [[UInt8]] {
        actions[side, default: []].compactMap { if case .send(let b) = $0 { b } else { nil } }
    }

    func messages(_ side: Side) -> [IncomingMessage] {
        events(side).compactMap { if case .message(let m) = $0 { m } else { nil } }
    }

    func closeRequested(_ side: Side) -> Bool { actions[side, default: []].contains(.close) }

    // MARK: Driving

    /// Records `new` as done by `side` and queues its sends for the other side. Returns `new`.
    @discardableResult
    func route(_ new: [SessionAction], from side: Side) -> [SessionAction] {
        actions[side, default: []] += new
        for case .send(let bytes) in new { inbox[side.other, default: []].append(bytes) }
        // As the NIO adapter does: once the actions are carried out (message 3 sent), the
        // deferred identity check, unless the test drives it itself.
        if checksIdentityAfterSending, self[side].awaitsIdentityCheck {
            return new + route(self[side].checkPeerIdentity(now: now), from: side)
        }
        return new
    }

    /// False to leave `checkPeerIdentity` to the test.
    var checksIdentityAfterSending = true

    @discardableResult
    func start() -> [SessionAction] {
        route(initiator.start(now: now), from: .initiator) + route(responder.start(now: now), from: .responder)
    }

    /// Calls `start` on one side only.
    @discardableResult
    func start(_ side: Side) -> [SessionAction] {
        route(self[side].start(now: now), from: side)
    }

    @discardableResult
    func close(_ side: Side) -> [SessionAction] {
        route(self[side].close(now: now), from: side)
    }

    @discardableResult
    func connectionLost(_ side: Side) -> [SessionAction] {
        route(self[side].connectionLost(), from: side)
    }

    func advance(_ duration: Duration) { now = now + duration }

    /// Feeds `bytes` to `side` as they are, or one byte per `receive` call.
    @discardableResult
    func feed(_ bytes: [UInt8], to side: Side, byteAtATime: Bool = false) -> [SessionAction] {
        if byteAtATime {
            var all: [SessionAction] = []
            for byte in bytes { all += route(self[side].receive([byte], now: now), from: side) }
            return all
        }
        return route(self[side].receive(bytes, now: now), from: side)
    }

    /// Takes the oldest queued message for `side` without delivering it.
    func intercept(to side: Side) -> [UInt8]? {
        guard let first = inbox[side]?.first else { return nil }
        inbox[side]!.removeFirst()
        return first
    }

    struct NothingQueued: Error {}

    /// Like `intercept`, but a test failure when nothing is queued.
    func take(to side: Side, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        guard let bytes = intercept(to: side) else {
            Issue.record("nothing queued for the \(side)", sourceLocation: sourceLocation)
            throw NothingQueued()
        }
        return bytes
    }

    /// Delivers the oldest queued message to `side`; false when there was none.
    @discardableResult
    func deliverNext(to side: Side, byteAtATime: Bool = false) -> Bool {
        guard let bytes = intercept(to: side) else { return false }
        feed(bytes, to: side, byteAtATime: byteAtATime)
        return true
    }

    /// Moves bytes both ways until neither side has anything left to say.
    func pump(byteAtATime: Bool = false) {
        var moved = true
        while moved {
            moved = false
            while deliverNext(to: .responder, byteAtATime: byteAtATime) { moved = true }
            while deliverNext(to: .initiator, byteAtATime: byteAtATime) { moved = true }
        }
    }

    @discardableResult
    func tick(_ side: Side) -> [SessionAction] {
        route(self[side].tick(now: now), from: side)
    }

    @discardableResult
    func sendText(_ text: String, id: MessageID, from side: Side, sentAt: UInt64 = 1_700_000_000_000) throws(SendError)
        -> [SessionAction]
    {
        route(try self[side].sendText(text, id: id, sentAt: sentAt, now: now), from: side)
    }

    @discardableResult
    func sendRaw(_ plaintext: [UInt8], from side: Side) -> [SessionAction] {
        route(self[side].sendRawFrameForTestingOnly(plaintext), from: side)
    }

    /// Starts both sides and runs the handshake to completion.
    static func established(
        initiatorConfig: SessionConfig = SessionConfig(), responderConfig: SessionConfig = SessionConfig(),
        byteAtATime: Bool = false
    ) throws -> SessionPair {
        let pair = SessionPair(initiatorConfig: initiatorConfig, responderConfig: responderConfig)
        pair.start()
        pair.pump(byteAtATime: byteAtATime)
        try #require(pair.initiator.isEstablished)
        try #require(pair.responder.isEstablished)
        return pair
    }
}

extension Array where Element == UInt8 {
    /// A copy with one bit flipped at `index` (negative counts from the end).
    func flippingBit(at index: Int, mask: UInt8 = 0x01) -> [UInt8] {
        var copy = self
        copy[index >= 0 ? index : count + index] ^= mask
        return copy
    }
}
