import Crypto
import Identity
import Wire

/// The end-to-end seal of a room post (docs/PROTOCOL.md §14.12.2): what a member hands the relay
/// once for every other member to read, and what the relay cannot read or forge.
///
/// Layout: `key id u32 | counter u64 | ciphertext | tag (16) | signature (64)`.
/// - ChaCha20-Poly1305 under the poster's `RoomKey`, nonce `0x00000000 | counter`, associated
///   data `context | poster's peer ID (32) | key id | counter`.
/// - Ed25519 by the poster's identity key over `context | poster's peer ID | everything before
///   the signature`: the room key is shared by every member, so the signature is what keeps one
///   member from posting as another.
public enum RoomSeal {
    public static let context = Array("parley-room/1".utf8)
    public static let headerBytes = 4 + 8
    public static let tagBytes = 16
    public static let signatureBytes = 64
    public static let overhead = headerBytes + tagBytes + signatureBytes
    /// Largest plaintext a post can carry.
    public static let maxPlaintext = RelayLimits.maxPostBytes - overhead

    public enum Failure: Error, Equatable, Sendable {
        /// Shorter than the overhead, or longer than a post.
        case malformed
        /// No key with this ID from this poster (not handed to us, or forgotten).
        case unknownKey
        /// The signature is not the poster's.
        case badSignature
        /// The ciphertext or its header was changed.
        case forged
        /// A counter already read, or too old to tell (`ReplayWindow`).
        case replayed
    }

    /// Seals `plaintext` (at most `maxPlaintext`) as post number `counter` under `key`.
    public static func seal(
        _ plaintext: [UInt8], key: RoomKey, counter: UInt64, poster: LocalIdentity
    ) throws -> [UInt8] {
        precondition(plaintext.count <= maxPlaintext)
        var header = ByteWriter(capacity: headerBytes)
        header.write(key.id)
        header.write(counter)
        let box = try ChaChaPoly.seal(
            plaintext, using: SymmetricKey(data: key.bytes), nonce: nonce(counter),
            authenticating: associatedData(poster: poster.peerID, header: header.bytes))
        let unsigned = header.bytes + Array(box.ciphertext) + Array(box.tag)
        let signature = try poster.signingKey.signature(for: context + poster.peerID.bytes + unsigned)
        return unsigned + Array(signature)
    }

    /// The header of a sealed post, read without opening it: which key and which counter.
    public static func header(of sealed: [UInt8]) throws(Failure) -> (keyID: UInt32, counter: UInt64) {
        guard sealed.count >= overhead, sealed.count <= RelayLimits.maxPostBytes else { throw .malformed }
        var r = ByteReader(Array(sealed.prefix(headerBytes)), what: "room post")
        guard let id = try? r.readUInt32(), let counter = try? r.readUInt64() else { throw .malformed }
        return (id, counter)
    }

    /// Checks the poster's signature and opens `sealed` under `key` (whose ID the header names).
    public static func open(_ sealed: [UInt8], key: RoomKey, poster: PeerID) throws(Failure) -> [UInt8] {
        let (id, counter) = try header(of: sealed)
        guard id == key.id else { throw .unknownKey }
        let unsigned = Array(sealed.dropLast(signatureBytes))
        guard let verifier = try? Curve25519.Signing.PublicKey(rawRepresentation: poster.bytes),
            verifier.isValidSignature(sealed.suffix(signatureBytes), for: context + poster.bytes + unsigned)
        else { throw .badSignature }
        let header = Array(unsigned.prefix(headerBytes))
        let body = unsigned.dropFirst(headerBytes)
        guard
            let box = try? ChaChaPoly.SealedBox(
                nonce: nonce(counter), ciphertext: body.dropLast(tagBytes), tag: body.suffix(tagBytes)),
            let plaintext = try? ChaChaPoly.open(
                box, using: SymmetricKey(data: key.bytes), authenticating: associatedData(poster: poster, header: header))
        else { throw .forged }
        return Array(plaintext)
    }

    static func nonce(_ counter: UInt64) -> ChaChaPoly.Nonce {
        var bytes = ByteWriter(capacity: 12)
        bytes.write(UInt32(0))
        bytes.write(counter)
        return try! ChaChaPoly.Nonce(data: bytes.bytes)
    }

    static func associatedData(poster: PeerID, header: [UInt8]) -> [UInt8] {
        context + poster.bytes + header
    }
}
