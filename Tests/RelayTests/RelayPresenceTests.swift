import Identity
import Testing
import Wire

@testable import Relay
@testable import Session

/// Presence pushes in the pure core (docs/PROTOCOL.md §14.4, `watch` and `presence`): who gets
/// them, when, and what one flapping client can cost, on a fake clock.
@Suite struct RelayPresenceTests {
    static let alice = RelayCoreTests.alice
    static let bob = RelayCoreTests.bob
    static let carol = RelayCoreTests.carol
    static let lab = RelayCoreTests.lab
    static let interval = RelayLimits.presenceInterval

    static func change(_ peer: PeerInfo, _ online: Bool) -> RelayPresenceChange {
        RelayPresenceChange(peer: RelayPeerEntry(peerID: peer.peerID.bytes, nickname: peer.nickname), online: online)
    }

    /// Connects, authenticates and registers client `id` as `peer` in `network`; returns the
    /// actions of the registration.
    static func join(
        _ core: inout RelayCore, _ id: RelayCore.ClientID, as peer: PeerInfo, network: [UInt8] = lab, now: Instant
    ) -> [RelayAction] {
        _ = core.connected(id, now: now)
        core.authenticated(id, as: peer, now: now)
        return core.received(.register(network: network), from: id, size: 24, now: now)
    }

    /// alice (1) registered in "lab" and watching.
    static func watched(_ config: RelayConfig = RelayConfig()) -> RelayCore {
        var core = RelayCore(config: config)
        _ = join(&core, 1, as: alice, now: origin)
        #expect(core.received(.watch, from: 1, size: 20, now: origin).isEmpty)
        return core
    }

    static func pushes(_ actions: [RelayAction], to id: RelayCore.ClientID) -> [[RelayPresenceChange]] {
        actions.compactMap { if case .send(id, .presence(let changes)) = $0 { changes } else { nil } }
    }

    @Test func aWatcherIsToldWhenAPeerRegistersAndLeaves() {
        var core = Self.watched()
        let joined = Self.join(&core, 2, as: Self.bob, now: origin)
        #expect(joined == [.send(2, .registered), .send(1, .presence([Self.change(Self.bob, true)]))])
        let left = core.disconnected(2, now: origin + Self.interval)
        #expect(left == [.send(1, .presence([Self.change(Self.bob, false)]))])
        #expect(core.counters.presenceSent == 2)
    }

    /// The idle timeout and any other drop end the connection through `disconnected`: the same
    /// push, whatever the reason.
    @Test func aDroppedPeerIsToldAsLeft() {
        var core = Self.watched()
        _ = Self.join(&core, 2, as: Self.bob, now: origin)
        let left = core.disconnected(2, reason: .idleTimeout, now: origin + .seconds(45))
        #expect(Self.pushes(left, to: 1) == [[Self.change(Self.bob, false)]])
        #expect(core.counters[.idleTimeout] == 1)
    }

    /// Opt-in: a client that did not send `watch` (every client of an older build) gets no
    /// push; nor do watchers of another network, nor the peer about itself.
    @Test func onlyWatchersOfTheSameNetworkAreTold() {
        var core = RelayCore()
        _ = Self.join(&core, 1, as: Self.alice, now: origin)  // not watching
        _ = Self.join(&core, 3, as: Self.carol, network: Array("other".utf8), now: origin)
        #expect(core.received(.watch, from: 3, size: 20, now: origin).isEmpty)
        let joined = Self.join(&core, 2, as: Self.bob, now: origin)
        #expect(core.received(.watch, from: 2, size: 20, now: origin).isEmpty)
        #expect(joined == [.send(2, .registered)])
        let left = core.disconnected(1, now: origin)
        #expect(Self.pushes(left, to: 2) == [[Self.change(Self.alice, false)]])
        #expect(left.count == 1)
        #expect(core.disconnected(2, now: origin).isEmpty)
    }

    @Test func watchBeforeRegisteringIsRefused() {
        var core = RelayCore()
        _ = core.connected(1, now: origin)
        core.authenticated(1, as: Self.alice, now: origin)
        #expect(
            core.received(.watch, from: 1, size: 20, now: origin) == [
                .send(1, .error(code: .notRegistered, circuit: 0))
            ])
    }

    @Test func aClientThatSendsPresenceIsClosed() {
        var core = Self.watched()
        #expect(
            core.received(.presence([Self.change(Self.bob, true)]), from: 1, size: 60, now: origin) == [
                .disconnect(1, .protocolViolation)
            ])
    }

    /// A replaced registration (same identity, new connection) is announced as registered; the
    /// old connection's end is not announced as the peer leaving.
    @Test func aReplacedRegistrationIsNotALeave() {
        var core = Self.watched()
        _ = Self.join(&core, 2, as: Self.bob, now: origin)
        let again = Self.join(&core, 4, as: Self.bob, now: origin + Self.interval)
        #expect(again.contains(.disconnect(2, .replaced)))
        #expect(Self.pushes(again, to: 1) == [[Self.change(Self.bob, true)]])
        #expect(core.disconnected(2, reason: .replaced, now: origin + Self.interval * 2).isEmpty)
    }

    /// Within the interval after a push, changes wait and merge per peer: bob registering and
    /// leaving 100 times costs alice one more push, with bob's latest state, at the interval's end.
    @Test func aFlappingPeerIsMergedIntoOnePushPerInterval() {
        var core = Self.watched()
        var sent: [[RelayPresenceChange]] = []
        var now = origin
        for round in 0..<100 {
            sent += Self.pushes(Self.join(&core, RelayCore.ClientID(10 + round), as: Self.bob, now: now), to: 1)
            sent += Self.pushes(core.disconnected(RelayCore.ClientID(10 + round), now: now), to: 1)
            now = now + .microseconds(100)
        }
        _ = Self.join(&core, 2, as: Self.bob, now: now)
        #expect(sent == [[Self.change(Self.bob, true)]])
        #expect(core.pendingPresence(of: 1) == 1)
        #expect(core.counters.presenceMerged == 199)
        let due = origin + Self.interval
        #expect(core.presenceDue == due)
        #expect(core.flushPresence(now: due + .nanoseconds(-1)).isEmpty)
        #expect(core.flushPresence(now: due) == [.send(1, .presence([Self.change(Self.bob, true)]))])
        #expect(core.pendingPresence(of: 1) == 0 && core.presenceDue == nil)
        #expect(core.counters.presenceSent == 2)
        // After a quiet interval, the next change goes out at once.
        #expect(Self.pushes(core.disconnected(2, now: due + Self.interval), to: 1) == [[Self.change(Self.bob, false)]])
    }

    /// Changes of several peers in one interval go in one push, oldest first.
    @Test func changesOfSeveralPeersShareAPush() {
        var core = Self.watched()
        _ = Self.join(&core, 2, as: Self.bob, now: origin)
        _ = Self.join(&core, 3, as: Self.carol, now: origin + .milliseconds(1))
        _ = core.disconnected(2, now: origin + .milliseconds(2))
        #expect(
            core.flushPresence(now: origin + Self.interval) == [
                .send(1, .presence([Self.change(Self.carol, true), Self.change(Self.bob, false)]))
            ])
    }

    /// The queue of one watcher holds at most `maxPendingPresence` peers; one past it is
    /// dropped and counted, and the queue still goes out.
    @Test func pendingPresenceAtTheLimitAndOnePast() {
        let limit = RelayLimits.maxPendingPresence
        var config = RelayConfig()
        config.maxClients = limit + 8
        var core = Self.watched(config)
        // The first goes out at once; the next `limit` wait (at the limit); the last is dropped.
        for index in 0...(limit + 1) {
            _ = Self.join(&core, RelayCore.ClientID(100 + index), as: Self.fakePeer(index), now: origin)
        }
        #expect(core.pendingPresence(of: 1) == limit)
        #expect(core.counters[.presenceOverflow] == 1)
        #expect(core.counters.presenceSent == 1)
        let pushed = Self.pushes(core.flushPresence(now: origin + Self.interval), to: 1)
        #expect(pushed.map(\.count) == [min(limit, RelayLimits.maxPresenceChanges)])
        #expect(pushed.first?.first?.peer.nickname == "p1")
    }

    /// A push carries at most `maxPresenceChanges`; the rest go one interval later.
    @Test func aPushCarriesAtMostMaxPresenceChanges() {
        var config = RelayConfig()
        config.maxClients = RelayLimits.maxPresenceChanges + 8
        config.maxPendingPresence = 2 * RelayLimits.maxPresenceChanges
        var core = Self.watched(config)
        _ = Self.join(&core, 2, as: Self.bob, now: origin)  // pushed at once
        // Distinct peers need distinct identities: 257 more of them, registered while alice waits.
        for index in 0...RelayLimits.maxPresenceChanges {
            _ = Self.join(&core, RelayCore.ClientID(100 + index), as: Self.fakePeer(index), now: origin)
        }
        #expect(core.pendingPresence(of: 1) == RelayLimits.maxPresenceChanges + 1)
        let first = Self.pushes(core.flushPresence(now: origin + Self.interval), to: 1)
        #expect(first.map(\.count) == [RelayLimits.maxPresenceChanges])
        #expect(core.presenceDue == origin + Self.interval * 2)
        let second = Self.pushes(core.flushPresence(now: origin + Self.interval * 2), to: 1)
        #expect(second.map(\.count) == [1])
        // Each push fits a relay message.
        let encoded = RelayCodec.encode(.presence(first[0]))
        #expect(encoded.count <= RelayLimits.maxMessagePlaintext)
    }

    /// A watcher that leaves takes its queue with it.
    @Test func aWatcherThatLeavesIsForgotten() {
        var core = Self.watched()
        _ = Self.join(&core, 2, as: Self.bob, now: origin)
        _ = Self.join(&core, 3, as: Self.carol, now: origin)
        #expect(core.pendingPresence(of: 1) == 1)
        _ = core.disconnected(1, now: origin)
        #expect(core.flushPresence(now: origin + Self.interval).isEmpty)
        #expect(core.presenceDue == nil)
    }

    /// A peer identity for load, made without a handshake: only its ID and nickname matter here.
    static func fakePeer(_ index: Int) -> PeerInfo {
        let id = [UInt8(index >> 8), UInt8(index & 0xFF)] + [UInt8](repeating: 0xA5, count: 30)
        return PeerInfo(
            peerID: PeerID(bytes: id)!, nickname: "p\(index)", protocolVersion: 1, capabilities: [],
            staticKey: [UInt8](repeating: 0, count: 32))
    }
}
