/// What each side says about itself inside the encrypted handshake (XX messages 2 and 3).
///
/// Layout (docs/PROTOCOL.md §"Identity payload"):
/// ```
/// payload version  u8      = 1
/// protocol version u16 BE
/// identity key     32 bytes  Ed25519 public key
/// binding sig      64 bytes  Ed25519 signature over bindingContext || Noise static public key
/// capabilities     u32 BE    bit set
/// nickname length  u8        1...Limits.maxNicknameBytes
/// nickname         UTF-8
/// extensions       rest      ignored by this version
/// ```
public struct HandshakePayload: Equatable, Sendable {
    public static let payloadVersion: UInt8 = 1
    /// Signed together with the Noise static key, so a binding signature can never be
    /// mistaken for a signature over anything else.
    public static let bindingContext = Array("parley-noise-static-key:v1".utf8)
    public static let fixedLength = 1 + 2 + 32 + 64 + 4 + 1

    public var protocolVersion: UInt16
    public var identityKey: [UInt8]
    public var bindingSignature: [UInt8]
    public var capabilities: Capabilities
    public var nickname: String

    public init(
        protocolVersion: UInt16, identityKey: [UInt8], bindingSignature: [UInt8],
        capabilities: Capabilities, nickname: String
    ) {
        self.protocolVersion = protocolVersion
        self.identityKey = identityKey
        self.bindingSignature = bindingSignature
        self.capabilities = capabilities
        self.nickname = nickname
    }

    /// The bytes the binding signature covers.
    public static func signedBindingMessage(noiseStaticKey: [UInt8]) -> [UInt8] {
        bindingContext + noiseStaticKey
    }

    public func encode() -> [UInt8] {
        precondition(identityKey.count == 32 && bindingSignature.count == 64)
        let nick = Array(nickname.utf8)
        precondition(Nickname.isValid(nickname))
        var w = ByteWriter(capacity: Self.fixedLength + nick.count)
        w.write(Self.payloadVersion)
        w.write(protocolVersion)
        w.write(identityKey)
        w.write(bindingSignature)
        w.write(capabilities.rawValue)
        w.write(UInt8(nick.count))
        w.write(nick)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> HandshakePayload {
        guard bytes.count <= Limits.maxHandshakePayload else {
            throw .oversized(length: bytes.count, limit: Limits.maxHandshakePayload)
        }
        var r = ByteReader(bytes, what: "identity payload")
        let version = try r.readUInt8()
        guard version == payloadVersion else { throw .malformed(what: "identity payload version \(version)") }
        let protocolVersion = try r.readUInt16()
        let key = try r.readBytes(32)
        let signature = try r.readBytes(64)
        let capabilities = Capabilities(rawValue: try r.readUInt32())
        let nickLength = Int(try r.readUInt8())
        let nickBytes = try r.readBytes(nickLength)
        guard let nick = String(validating: nickBytes, as: UTF8.self), Nickname.isValid(nick) else {
            throw .malformed(what: "nickname")
        }
        return HandshakePayload(
            protocolVersion: protocolVersion, identityKey: key, bindingSignature: signature,
            capabilities: capabilities, nickname: nick)
    }
}

/// What a peer says it can do. Unknown bits are kept and ignored.
public struct Capabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let text = Capabilities(rawValue: 1 << 0)
    public static let voice = Capabilities(rawValue: 1 << 1)
    public static let offlineMessages = Capabilities(rawValue: 1 << 2)

    /// What this build implements.
    public static let current: Capabilities = [.text, .voice]

    public var names: [String] {
        var out: [String] = []
        if contains(.text) { out.append("text") }
        if contains(.voice) { out.append("voice") }
        if contains(.offlineMessages) { out.append("offline") }
        return out
    }
}

/// Nicknames: 1 to 32 bytes of UTF-8, no whitespace, no control characters and no format
/// characters other than the zero-width joiner (which emoji sequences such as 👩‍💻 need), so
/// that a nickname is one word in `/msg NICK text` and cannot forge lines on a terminal. Among
/// the format characters refused are the bidirectional controls (`bidiControls`), which would
/// turn the rest of a line around. A nickname starts with a visible character (not a mark, a
/// joiner or anything a terminal shows as nothing), so it never shows blank, and a joiner sits
/// between two other characters.
public enum Nickname {
    static let zeroWidthJoiner: Unicode.Scalar = "\u{200D}"

    /// Said to whoever chose a nickname these rules refuse.
    public static let rule =
        "use 1 to \(Limits.maxNicknameBytes) bytes of UTF-8 starting with a visible character, without spaces, control, format or bidirectional characters"

    /// The bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates
    /// (U+2066–U+2069), the marks U+200E, U+200F and U+061C.
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }

    public static func isValid(_ nick: String) -> Bool {
        let count = nick.utf8.count
        guard count >= 1, count <= Limits.maxNicknameBytes else { return false }
        // Printable ASCII other than space is always valid: the common case decided without
        // the Unicode property tables (a few µs per handshake otherwise).
        if nick.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return true }
        let scalars = Array(nick.unicodeScalars)
        guard isVisible(scalars[0]), scalars.last != zeroWidthJoiner else { return false }
        for (index, scalar) in scalars.enumerated() {
            let category = scalar.properties.generalCategory
            guard !scalar.properties.isWhitespace, category != .control, !isBidiControl(scalar) else { return false }
            if category == .format {
                // A joiner joins two characters, never another joiner.
                guard scalar == zeroWidthJoiner, scalars[index - 1] != zeroWidthJoiner else { return false }
            }
        }
        return true
    }

    /// Shows as something: not a space, a control, a format character, a mark (which only
    /// changes the character before it), or a character terminals draw as nothing (the
    /// default-ignorable ones, such as the Hangul fillers, and the blank braille pattern).
    /// Unassigned code points count as visible: a newer emoji may be one in these tables.
    static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .nonspacingMark,
            .spacingMark, .enclosingMark, .surrogate:
            return false
        default:
            return !properties.isWhitespace && !properties.isDefaultIgnorableCodePoint && scalar.value != 0x2800
        }
    }
}

/// The version of the parley protocol this build speaks; carried in the identity payload and
/// named in the Noise prologue.
public enum ProtocolVersion {
    public static let current: UInt16 = 1
    /// The Noise prologue: both sides must use the same one or the handshake fails.
    public static let prologue = Array("parley/1 Noise_XX_25519_ChaChaPoly_SHA256".utf8)
}
