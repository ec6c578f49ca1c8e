/// One LAN discovery datagram: an announcement, a query or a goodbye of a peer, or the
/// announcement or goodbye of a relay, signed by the sender's identity key. Signing and
/// verifying live in Identity; this type only lays out bytes.
///
/// Layout (docs/PROTOCOL.md §"Discovery packets"), integers big-endian:
/// ```
/// magic          4 bytes  "PRLY"
/// version        u8       = 1
/// kind           u8       1 announce, 2 query, 3 goodbye, 4 relay, 5 relay goodbye
/// peer ID        32 bytes the sender's Ed25519 identity public key
/// instance       u64      random per start of the sender
/// counter        u64      per instance, strictly increasing from 1
/// timestamp      u64      sender's wall clock, milliseconds since the Unix epoch
/// validity       u32      milliseconds to keep the sender listed without hearing from it
/// capabilities   u32      bit set, as in the identity payload
/// port count     u8       0...DiscoveryLimits.maxPorts (announce, relay: at least 1)
/// ports          u16 each TCP ports where the sender accepts sessions (relay: links)
/// nickname len   u8       1...Limits.maxNicknameBytes
/// nickname       UTF-8
/// nonce count    u8       query: 1; goodbyes: 0; announce, relay: 0...DiscoveryLimits.maxEchoedNonces
/// nonces         u64 each
/// extensions     …        ignored by version 1 receivers (but signed)
/// signature      64 bytes Ed25519 over signatureContext || every byte before the signature
/// ```
public struct DiscoveryPacket: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        /// "I am here, reachable on these ports." Also the answer to a query (it then echoes
        /// the query's nonce).
        case announce = 1
        /// "Who is here?" Everyone who hears it answers with an announcement echoing `nonces[0]`.
        /// A query that lists ports also announces its sender.
        case query = 2
        /// "I am leaving": receivers drop the sender's instance at once.
        case goodbye = 3
        /// "I run a relay (docs/PROTOCOL.md §14), reachable on these ports." Sent by a relay
        /// instead of `announce`, also as its answer to a query. Version 1 receivers that predate
        /// it drop it as an unknown kind, before any signature check.
        case relay = 4
        /// "This relay is stopping": receivers drop the relay's instance at once.
        case relayGoodbye = 5

        /// Kinds a relay sends; their senders are listed apart from peers.
        public var isRelay: Bool { self == .relay || self == .relayGoodbye }
    }

    public static let magic: [UInt8] = Array("PRLY".utf8)
    public static let version: UInt8 = 1
    /// Signed together with the packet, so a discovery signature can never be mistaken for a
    /// signature over anything else the identity key signs.
    public static let signatureContext = Array("parley-discovery:v1".utf8)
    public static let signatureLength = 64
    /// Magic through nonce count, without ports, nickname, nonces and signature.
    public static let fixedLength = 4 + 1 + 1 + 32 + 8 + 8 + 8 + 4 + 4 + 1 + 1 + 1

    public var kind: Kind
    public var peerID: [UInt8]
    public var instance: UInt64
    public var counter: UInt64
    public var timestamp: UInt64
    /// Milliseconds.
    public var validity: UInt32
    public var capabilities: Capabilities
    public var ports: [UInt16]
    public var nickname: String
    public var nonces: [UInt64]

    public init(
        kind: Kind, peerID: [UInt8], instance: UInt64, counter: UInt64, timestamp: UInt64, validity: UInt32,
        capabilities: Capabilities, ports: [UInt16], nickname: String, nonces: [UInt64]
    ) {
        self.kind = kind
        self.peerID = peerID
        self.instance = instance
        self.counter = counter
        self.timestamp = timestamp
        self.validity = validity
        self.capabilities = capabilities
        self.ports = ports
        self.nickname = nickname
        self.nonces = nonces
    }

    /// The bytes before the signature. Preconditions: every field within its limit (the sender
    /// builds packets from its own, valid, settings).
    public func encodeBody() -> [UInt8] {
        precondition(peerID.count == 32, "a peer ID is 32 bytes")
        precondition(Nickname.isValid(nickname), "invalid nickname")
        precondition(ports.count <= DiscoveryLimits.maxPorts && !ports.contains(0), "bad ports")
        precondition(nonces.count <= DiscoveryLimits.maxEchoedNonces, "too many nonces")
        let nick = Array(nickname.utf8)
        var w = ByteWriter(capacity: Self.fixedLength + 2 * ports.count + nick.count + 8 * nonces.count)
        w.write(Self.magic)
        w.write(Self.version)
        w.write(kind.rawValue)
        w.write(peerID)
        w.write(instance)
        w.write(counter)
        w.write(timestamp)
        w.write(validity)
        w.write(capabilities.rawValue)
        w.write(UInt8(ports.count))
        for port in ports { w.write(port) }
        w.write(UInt8(nick.count))
        w.write(nick)
        w.write(UInt8(nonces.count))
        for nonce in nonces { w.write(nonce) }
        return w.bytes
    }

    /// What the signature covers, given the body.
    public static func signedMessage(body: some Collection<UInt8>) -> [UInt8] {
        signatureContext + body
    }

    /// Splits a datagram into its packet, the bytes its signature covers, and the signature.
    /// Checks sizes, magic, version and every field; does not check the signature.
    public static func decode(_ bytes: [UInt8]) throws(DiscoveryDecodeError) -> ReceivedDiscoveryPacket {
        guard bytes.count <= DiscoveryLimits.maxPacket else {
            throw .oversized(length: bytes.count)
        }
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else { throw .notParley }
        guard bytes.count > magic.count else { throw .truncated }
        let version = bytes[magic.count]
        guard version == Self.version else { throw .unsupportedVersion(version) }
        guard bytes.count >= fixedLength + signatureLength else { throw .truncated }

        let bodyEnd = bytes.count - signatureLength
        var r = FieldReader(ByteReader(Array(bytes[..<bodyEnd]), what: "discovery packet", offset: magic.count + 1))
        let kindByte = try r.u8()
        guard let kind = Kind(rawValue: kindByte) else { throw .malformed("kind \(kindByte)") }
        let peerID = try r.bytes(32)
        let instance = try r.u64()
        let counter = try r.u64()
        let timestamp = try r.u64()
        let validity = try r.u32()
        let capabilities = Capabilities(rawValue: try r.u32())
        let portCount = Int(try r.u8())
        guard portCount <= DiscoveryLimits.maxPorts else { throw .malformed("port count \(portCount)") }
        var ports: [UInt16] = []
        for _ in 0..<portCount { ports.append(try r.u16()) }
        guard !ports.contains(0) else { throw .malformed("port 0") }
        let nickBytes = try r.bytes(Int(try r.u8()))
        guard let nickname = String(validating: nickBytes, as: UTF8.self), Nickname.isValid(nickname) else {
            throw .malformed("nickname")
        }
        let nonceCount = Int(try r.u8())
        guard nonceCount <= DiscoveryLimits.maxEchoedNonces else { throw .malformed("nonce count \(nonceCount)") }
        var nonces: [UInt64] = []
        for _ in 0..<nonceCount { nonces.append(try r.u64()) }
        switch kind {
        case .announce where ports.isEmpty: throw .malformed("announcement without a port")
        case .relay where ports.isEmpty: throw .malformed("relay announcement without a port")
        case .query where nonces.count != 1: throw .malformed("query without exactly one nonce")
        case .goodbye where !nonces.isEmpty, .relayGoodbye where !nonces.isEmpty:
            throw .malformed("goodbye with nonces")
        default: break
        }
        // Whatever is left before the signature is extensions: signed, ignored.
        let packet = DiscoveryPacket(
            kind: kind, peerID: peerID, instance: instance, counter: counter, timestamp: timestamp,
            validity: validity, capabilities: capabilities, ports: ports, nickname: nickname, nonces: nonces)
        return ReceivedDiscoveryPacket(
            packet: packet, signedMessage: signedMessage(body: bytes[..<bodyEnd]),
            signature: Array(bytes[bodyEnd...]))
    }
}

/// A `ByteReader` whose running out of bytes is a truncated discovery packet.
private struct FieldReader {
    var reader: ByteReader
    init(_ reader: ByteReader) { self.reader = reader }

    mutating func u8() throws(DiscoveryDecodeError) -> UInt8 {
        do { return try reader.readUInt8() } catch { throw .truncated }
    }
    mutating func u16() throws(DiscoveryDecodeError) -> UInt16 {
        do { return try reader.readUInt16() } catch { throw .truncated }
    }
    mutating func u32() throws(DiscoveryDecodeError) -> UInt32 {
        do { return try reader.readUInt32() } catch { throw .truncated }
    }
    mutating func u64() throws(DiscoveryDecodeError) -> UInt64 {
        do { return try reader.readUInt64() } catch { throw .truncated }
    }
    mutating func bytes(_ count: Int) throws(DiscoveryDecodeError) -> [UInt8] {
        do { return try reader.readBytes(count) } catch { throw .truncated }
    }
}

/// A decoded datagram whose signature has not been checked yet.
public struct ReceivedDiscoveryPacket: Equatable, Sendable {
    public let packet: DiscoveryPacket
    /// `signatureContext || body`: what the signature must cover.
    public let signedMessage: [UInt8]
    public let signature: [UInt8]
}

/// Why a datagram is not a discovery packet this build accepts. Kept local: discovery never
/// answers a bad packet.
public enum DiscoveryDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Longer than `DiscoveryLimits.maxPacket`.
    case oversized(length: Int)
    /// Does not start with the magic: not parley's at all.
    case notParley
    /// A parley discovery version this build does not speak.
    case unsupportedVersion(UInt8)
    /// Ended before its fields (or its signature) did.
    case truncated
    /// A field held a value the protocol does not allow.
    case malformed(String)

    public var description: String {
        switch self {
        case .oversized(let length): "discovery packet of \(length) bytes exceeds \(DiscoveryLimits.maxPacket)"
        case .notParley: "not a parley discovery packet"
        case .unsupportedVersion(let v): "discovery version \(v) is not supported"
        case .truncated: "truncated discovery packet"
        case .malformed(let what): "malformed discovery packet: \(what)"
        }
    }
}
