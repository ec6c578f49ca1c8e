import Crypto
import Wire

/// A peer's identity as others see it: its long-term Ed25519 public key. Using the key itself as
/// the ID means anything signed by a peer can be checked against its ID with nothing else.
///
/// Text form: the 32 bytes in lower-case base32 without padding (52 characters).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public init(publicKey: Curve25519.Signing.PublicKey) {
        bytes = Array(publicKey.rawRepresentation)
    }

    /// Parses the 52-character text form (either case).
    public init?(_ text: String) {
        guard text.utf8.count == 52, let raw = Base32.decode(text), raw.count == 32 else { return nil }
        bytes = raw
    }

    public var description: String { Base32.encode(bytes).lowercased() }

    /// The first 8 characters, for lists.
    public var short: String { String(description.prefix(8)) }

    public var fingerprint: Fingerprint { Fingerprint(identityKey: bytes) }

    public var publicKey: Curve25519.Signing.PublicKey? {
        try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)
    }

    /// Constant time, so that matching a presented identity against an expected one does not
    /// leak how many leading bytes agree.
    public static func == (a: PeerID, b: PeerID) -> Bool { ConstantTime.equal(a.bytes, b.bytes) }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

/// What two people compare aloud to know they hold each other's real key: 125 bits of
/// SHA-256 over a domain label and the identity key, as five groups of five base32 characters,
/// e.g. `K7QFA-M2XRT-...`.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    public static let domain = Array("parley-fingerprint:v1".utf8)
    public static let groupCount = 5
    public static let groupLength = 5

    /// The 25 base32 characters, upper-case, without separators.
    public let characters: String

    public init(identityKey: [UInt8]) {
        let digest = Array(SHA256.hash(data: Self.domain + identityKey))
        // 16 bytes give 26 base32 characters; keep 25 (125 bits).
        characters = String(Base32.encode(Array(digest.prefix(16))).prefix(Self.groupCount * Self.groupLength))
    }

    public var description: String {
        stride(from: 0, to: characters.count, by: Self.groupLength).map { start in
            let from = characters.index(characters.startIndex, offsetBy: start)
            return String(characters[from..<characters.index(from, offsetBy: Self.groupLength)])
        }.joined(separator: "-")
    }

    /// The first two groups, for lists.
    public var short: String { String(description.prefix(Self.groupLength * 2 + 1)) }

    /// Normalises user input: drops dashes and spaces, upper-cases. Nil when what is left is not
    /// 25 base32 characters.
    public static func normalize(_ text: String) -> String? {
        let stripped = text.trimmingWhitespace.filter { $0 != "-" && $0 != " " }
        guard stripped.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let cleaned = stripped.uppercased()
        guard cleaned.count == groupCount * groupLength,
            cleaned.utf8.allSatisfy({ Base32.alphabet.contains($0) })
        else { return nil }
        return cleaned
    }

    public static func == (a: Fingerprint, b: Fingerprint) -> Bool {
        ConstantTime.equal(Array(a.characters.utf8), Array(b.characters.utf8))
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(characters) }
}

/// What a user may type to say which peer they expect: a fingerprint (with or without dashes)
/// or a full peer ID. Matching is constant-time.
public enum ExpectedPeer: Sendable, Equatable {
    case fingerprint(String)
    case peerID(PeerID)

    public init?(_ text: String) {
        if let id = PeerID(text.trimmingWhitespace) {
            self = .peerID(id)
        } else if let fp = Fingerprint.normalize(text) {
            self = .fingerprint(fp)
        } else {
            return nil
        }
    }

    public func matches(_ id: PeerID) -> Bool {
        switch self {
        case .peerID(let expected): expected == id
        case .fingerprint(let expected): ConstantTime.equal(Array(expected.utf8), Array(id.fingerprint.characters.utf8))
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
