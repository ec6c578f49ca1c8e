import Crypto
import Identity
import Testing
import Wire

@testable import Session

/// Room posts sealed for a relay's fan-out (`RoomSeal`, `RoomKeyRing`, `ReplayWindow`): read by
/// members who hold the poster's key, by nobody else, never twice, never under another name.
@Suite("Room posts, sealed end to end")
struct RoomKeyRingTests {
    /// One member: an identity and its ring (a class, so that `#expect` can call it).
    final class Member {
        let identity: LocalIdentity
        var ring = RoomKeyRing()
        init(_ nickname: String) { identity = .generate(nickname: nickname) }
        var id: PeerID { identity.peerID }

        func post(_ text: String) throws -> [UInt8] { try ring.seal(Array(text.utf8), as: identity) }
        /// Takes `poster`'s current key.
        func take(_ poster: Member) -> Bool { ring.accept(poster.ring.own, from: poster.id) }
        /// What `sealed`, said to be from `poster`, reads as, or why it was refused.
        func read(_ sealed: [UInt8], from poster: PeerID) -> Result<String, RoomSeal.Failure> {
            Result { () throws(RoomSeal.Failure) in String(decoding: try ring.open(sealed, from: poster), as: UTF8.self) }
        }
    }

    /// A fixed key, identity and counter. The ChaCha20-Poly1305 part and the Ed25519 signature
    /// (both deterministic) are pinned to what an independent implementation gives for the same
    /// layout: Python's `cryptography` 48 (OpenSSL), computed once from the bytes §14.12.2 names.
    @Test func theLayoutIsPinnedByAVector() throws {
        let signing = try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x11, count: 32))
        let poster = LocalIdentity(signingKey: signing, staticKey: .init(), nickname: "v")
        let key = try #require(RoomKey(id: 7, bytes: [UInt8](repeating: 0x22, count: 32)))
        let sealed = try RoomSeal.seal(Array("hello".utf8), key: key, counter: 1, poster: poster)
        #expect(sealed.count == 5 + RoomSeal.overhead)
        #expect(Array(sealed.prefix(12)) == [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1])
        let box = try ChaChaPoly.seal(
            Array("hello".utf8), using: SymmetricKey(data: key.bytes),
            nonce: ChaChaPoly.Nonce(data: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            authenticating: Array("parley-room/1".utf8) + poster.peerID.bytes + Array(sealed.prefix(12)))
        #expect(Array(sealed[12..<33]) == Array(box.ciphertext) + Array(box.tag))
        #expect(hex(Array(sealed[12..<33])) == "44c7e637dfae48fc73ec2e9f45bed04d86e3bef9e9")
        #expect(
            hex(Array(sealed.suffix(64)))
                == "26e56955e1ed3408e0b2fefe6110e1d5db86f4c36a309a3469bd30e9b2989b06"
                + "a5f601225724629846fae7885ceb94c6cb17ea54a514090c9c6a3c6683d0d706")
        #expect(
            signing.publicKey.isValidSignature(
                sealed.suffix(64), for: Array("parley-room/1".utf8) + poster.peerID.bytes + sealed.prefix(33)))
        #expect(try RoomSeal.open(sealed, key: key, poster: poster.peerID) == Array("hello".utf8))
    }

    @Test func aMemberReadsEachPostOnceInAnyOrderInsideTheWindow() throws {
        let alice = Member("alice")
        let bob = Member("bob")
        #expect(bob.take(alice))
        let posts = try (0..<5).map { try alice.post("post \($0)") }
        for index in [3, 0, 4, 1, 2] {
            #expect(bob.read(posts[index], from: alice.id) == .success("post \(index)"))
        }
        for post in posts { #expect(bob.read(post, from: alice.id) == .failure(.replayed)) }
    }

    @Test func theWindowAtItsEdgeAndOnePast() {
        var window = ReplayWindow()
        // Each counter in turn, and whether it is taken as new.
        let steps: [(UInt64, Bool)] = [
            (100, true), (100 - (ReplayWindow.width - 1), true), (100 - ReplayWindow.width, false), (100, false),
            // A jump wider than the window forgets everything below it.
            (1_000, true), (100, false), (999, true), (0, false),
        ]
        let taken = steps.map { window.accept($0.0) }
        #expect(taken == steps.map(\.1))
    }

    @Test func whoeverLacksTheKeyCannotReadAndNothingIsRecordedForAFailure() throws {
        let alice = Member("alice")
        let bob = Member("bob")
        let carol = Member("carol")
        #expect(bob.take(alice))
        let post = try alice.post("secret")
        #expect(carol.read(post, from: alice.id) == .failure(.unknownKey))
        // A flipped bit anywhere is refused; nothing is recorded, so the true post still reads.
        for index in [0, 5, 12, post.count - 70, post.count - 1] {
            var bad = post
            bad[index] ^= 0x01
            #expect(throws: RoomSeal.Failure.self) { try bob.read(bad, from: alice.id).get() }
        }
        #expect(bob.read(post, from: alice.id) == .success("secret"))
        #expect(bob.read(Array(post.prefix(40)), from: alice.id) == .failure(.malformed))
    }

    /// Every member holds alice's key; carol still cannot post as alice: her signature is not
    /// alice's, and under her own name the key is not hers. A relay that names the wrong poster
    /// for a true post is caught the same way.
    @Test func aMemberCannotPostAsAnother() throws {
        let alice = Member("alice")
        let bob = Member("bob")
        let carol = Member("carol")
        #expect(bob.take(alice) && bob.take(carol))
        let forged = try RoomSeal.seal(Array("I am alice".utf8), key: alice.ring.own, counter: 99, poster: carol.identity)
        #expect(bob.read(forged, from: alice.id) == .failure(.badSignature))
        #expect(bob.read(forged, from: carol.id) == .failure(.unknownKey))
        #expect(bob.read(try alice.post("hi"), from: carol.id) == .failure(.unknownKey))
    }

    /// After a rotation a member who left (and was not given the new key) reads nothing more;
    /// one who stayed reads the new posts, and a late post under the old key still.
    @Test func aMemberWhoLeftCannotReadWhatFollowsTheRotation() throws {
        let alice = Member("alice")
        let bob = Member("bob")
        let carol = Member("carol")
        #expect(bob.take(alice) && carol.take(alice))
        let first = alice.ring.own
        let late = try alice.post("before")
        // Carol leaves; alice rotates and hands the new key to bob only.
        alice.ring.rotate()
        #expect(bob.take(alice))
        let after = try alice.post("after")
        #expect(carol.read(after, from: alice.id) == .failure(.unknownKey))
        #expect(bob.read(after, from: alice.id) == .success("after"))
        #expect(bob.read(late, from: alice.id) == .success("before"))
        // A third key pushes the first out; the second stays.
        let later = try alice.post("later")
        alice.ring.rotate()
        #expect(bob.take(alice))
        #expect(bob.read(later, from: alice.id) == .success("later"))
        #expect(bob.read(try alice.post("last"), from: alice.id) == .success("last"))
        let tooLate = try RoomSeal.seal(Array("old key".utf8), key: first, counter: 9, poster: alice.identity)
        #expect(bob.read(tooLate, from: alice.id) == .failure(.unknownKey))
        bob.ring.forget(alice.id)
        #expect(bob.ring.memberCount == 0)
    }

    @Test func membersAtTheLimitAndOnePast() {
        var ring = RoomKeyRing()
        let taken = (0..<RoomKeyRing.maxMembers).filter { _ in
            ring.accept(RoomKey.random(), from: LocalIdentity.generate(nickname: "m").peerID)
        }
        #expect(taken.count == RoomKeyRing.maxMembers)
        let onePast = ring.accept(RoomKey.random(), from: LocalIdentity.generate(nickname: "m").peerID)
        #expect(!onePast)
        #expect(ring.memberCount == RoomKeyRing.maxMembers)
    }

    @Test func aPostAtTheLargestPlaintextFitsARelayPost() throws {
        let alice = Member("alice")
        let bob = Member("bob")
        #expect(bob.take(alice))
        let post = try alice.post(String(repeating: "a", count: RoomSeal.maxPlaintext))
        #expect(post.count == RelayLimits.maxPostBytes)
        #expect((try? bob.read(post, from: alice.id).get().utf8.count) == RoomSeal.maxPlaintext)
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
