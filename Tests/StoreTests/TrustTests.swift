import Foundation
import Identity
import Testing

@testable import Store

extension StoreSuites {
    @Suite struct TrustTests {
        @Test func aNewPeerIsPinnedAndKnownAfterwards() throws {
            let home = try TempHome()
            let clock = TestClock()
            let store = try ParleyStore.open(home, clock: clock)
            let alice = newPeer()
            let first = try store.check(peerID: alice, nickname: "alice")
            guard case .new(let peer) = first else {
                Issue.record("expected .new, got \(first)")
                return
            }
            #expect(peer.peerID == alice && peer.nickname == "alice" && !peer.verified)
            #expect(peer.firstSeen == clock.value && peer.lastSeen == clock.value)
            #expect(first.isTrusted && first.warning == nil)

            clock.advance(by: 5000)
            let again = try ParleyStore.open(home, clock: clock).check(peerID: alice, nickname: "alice")
            guard case .known(let known, let previous) = again else {
                Issue.record("expected .known, got \(again)")
                return
            }
            #expect(previous == nil)
            #expect(known.firstSeen == peer.firstSeen && known.lastSeen == peer.firstSeen + 5000)
        }

        @Test func aKnownNicknameWithAnotherKeyIsRefusedUntilAccepted() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let alice = newPeer()
            let impostor = newPeer()
            _ = try store.check(peerID: alice, nickname: "alice")
            #expect(try store.markVerified(peerID: alice))

            for nickname in ["alice", "Alice", "ALICE"] {
                let decision = try store.check(peerID: impostor, nickname: nickname)
                guard case .keyChanged(let name, let pinned, let presented) = decision else {
                    Issue.record("\(nickname) with another key was not refused: \(decision)")
                    continue
                }
                #expect(name == nickname && pinned.peerID == alice && pinned.verified && presented == impostor)
                #expect(!decision.isTrusted)
                let warning = try #require(decision.warning)
                #expect(warning.hasPrefix("WARNING"))
                #expect(
                    warning.contains(alice.fingerprint.description)
                        && warning.contains(impostor.fingerprint.description))
            }
            #expect(try store.knownPeer(impostor) == nil, "a refused key is not pinned")
            #expect(try store.knownPeer(nickname: "alice")?.peerID == alice)
            // Refusal persists across restarts.
            #expect(try !ParleyStore.open(home).check(peerID: impostor, nickname: "alice").isTrusted)

            let accepted = try store.acceptNewKey(peerID: impostor, nickname: "alice")
            #expect(accepted.peerID == impostor && !accepted.verified)
            #expect(try store.check(peerID: impostor, nickname: "alice").isTrusted)
            #expect(try store.knownPeer(nickname: "alice")?.peerID == impostor)
            // The old key is still known, and now presenting "alice" is the mismatch.
            #expect(try store.knownPeer(alice)?.verified == true)
            #expect(try !store.check(peerID: alice, nickname: "alice").isTrusted)
        }

        @Test func aKnownPeerMayRenameButNotTakeAnotherPeersName() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let alice = newPeer()
            let bob = newPeer()
            _ = try store.check(peerID: alice, nickname: "alice")
            _ = try store.check(peerID: bob, nickname: "bob")
            #expect(
                try store.check(peerID: alice, nickname: "alyx")
                    == .known(try store.knownPeer(alice)!, previousNickname: "alice"))
            #expect(try store.knownPeer(alice)?.nickname == "alyx")
            #expect(try !store.check(peerID: alice, nickname: "bob").isTrusted, "alice cannot pass for bob")
            // Alice's old name stays hers: a newcomer cannot take it.
            #expect(try !store.check(peerID: newPeer(), nickname: "alice").isTrusted)
            #expect(try store.check(peerID: alice, nickname: "alice").isTrusted)
            #expect(Set(try store.knownPeers().map(\.peerID)) == [alice, bob])
        }

        /// Issue 14, item 10: thousands of renames pinned thousands of names. A key keeps its
        /// `maxPinnedNicknamesPerPeer` newest names, at the limit and one past it.
        @Test func aPeerKeepsOnlyItsNewestNamesPinned() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            let mallory = newPeer()
            let limit = ParleyStore.maxPinnedNicknamesPerPeer
            _ = try store.check(peerID: mallory, nickname: "carol")
            for n in 1..<limit { _ = try store.check(peerID: mallory, nickname: "n\(n)") }
            #expect(try store.pinnedNicknames(of: mallory) == ["carol"] + (1..<limit).map { "n\($0)" })
            // Still hers at the limit.
            #expect(try !store.check(peerID: newPeer(), nickname: "carol").isTrusted)
            // One past: the oldest name is released, and its real owner is welcome.
            _ = try store.check(peerID: mallory, nickname: "n\(limit)")
            #expect(try store.pinnedNicknames(of: mallory) == (1...limit).map { "n\($0)" })
            let carol = newPeer()
            guard case .new = try store.check(peerID: carol, nickname: "Carol") else {
                Issue.record("the real carol was refused")
                return
            }
            // A thousand more renames leave the same number of pins.
            for n in 0..<1000 { _ = try store.check(peerID: mallory, nickname: "x\(n)") }
            #expect(try store.pinnedNicknames(of: mallory) == ["x997", "x998", "x999"])
            // Taking an old name again makes it the newest: the oldest other one goes.
            _ = try store.check(peerID: mallory, nickname: "x997")
            #expect(try store.pinnedNicknames(of: mallory) == ["x998", "x999", "x997"])
            // Nobody else's pins moved, and accepting a key counts as a pin too.
            #expect(try store.pinnedNicknames(of: carol) == ["carol"])
            _ = try store.acceptNewKey(peerID: carol, nickname: "x999")
            #expect(try store.pinnedNicknames(of: mallory) == ["x998", "x997"])
            #expect(try store.pinnedNicknames(of: carol) == ["carol", "x999"])
        }

        @Test func verifyingAnUnknownPeerChangesNothing() throws {
            let home = try TempHome()
            let store = try ParleyStore.open(home)
            #expect(try !store.markVerified(peerID: newPeer()))
            #expect(try store.knownPeers().isEmpty)
        }
    }

    @Suite struct SafetyNumberTests {
        @Test func bothSidesComputeTheSameNumber() {
            let alice = newPeer()
            let bob = newPeer()
            let number = SafetyNumber(alice, bob)
            #expect(number == SafetyNumber(bob, alice))
            #expect(number.groups.count == 12)
            #expect(number.groups.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
            #expect(number.description.count == 12 * 5 + 11)
            #expect(number.lines.count == 3 && number.lines.joined(separator: " ") == number.description)
        }

        @Test func anotherKeyChangesTheNumber() {
            let alice = newPeer()
            let bob = newPeer()
            #expect(SafetyNumber(alice, bob) != SafetyNumber(alice, newPeer()))
            #expect(SafetyNumber(alice, bob) != SafetyNumber(newPeer(), bob))
            // One bit of one key.
            var flipped = bob.bytes
            flipped[31] ^= 1
            #expect(SafetyNumber(alice, bob) != SafetyNumber(alice, PeerID(bytes: flipped)!))
        }

        /// The vector in docs/PROTOCOL.md ("Safety numbers"), computed independently with Python's
        /// hashlib from the derivation written there.
        @Test func matchesTheDocumentedVector() {
            let a = PeerID(bytes: Array(repeating: 0x01, count: 32))!
            let b = PeerID(bytes: (0..<32).map { UInt8($0) })!
            #expect(SafetyNumber(a, b).description == SafetyNumberTests.vector)
        }

        static let vector = "32098 18174 67498 72838 76112 04548 27014 48024 54491 64759 43348 02256"
    }
}
