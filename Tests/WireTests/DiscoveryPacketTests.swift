import Testing

@testable import Wire

@Suite("DiscoveryPacket")
struct DiscoveryPacketTests {
    static let peer = (0..<32).map { UInt8($0 + 1) }
    static let fakeSignature = [UInt8](repeating: 0xAB, count: DiscoveryPacket.signatureLength)

    static func packet(
        kind: DiscoveryPacket.Kind = .announce, ports: [UInt16] = [7000], nickname: String = "alice",
        nonces: [UInt64] = []
    ) -> DiscoveryPacket {
        DiscoveryPacket(
            kind: kind, peerID: peer, instance: 0x1122_3344_5566_7788, counter: 9, timestamp: 1_700_000_000_123,
            validity: 30_000, capabilities: [.text], ports: ports, nickname: nickname, nonces: nonces)
    }

    /// A datagram with a placeholder signature (the codec does not check signatures).
    static func datagram(_ packet: DiscoveryPacket, extensions: [UInt8] = []) -> [UInt8] {
        packet.encodeBody() + extensions + fakeSignature
    }

    /// Bytes written field by field, so tests can write what `encodeBody` refuses to.
    static func raw(
        magic: [UInt8] = DiscoveryPacket.magic, version: UInt8 = 1, kind: UInt8 = 1, ports: [UInt16] = [7000],
        portCount: Int? = nil, nickname: [UInt8] = Array("bob".utf8), nonces: [UInt64] = [],
        nonceCount: Int? = nil, extensions: [UInt8] = []
    ) -> [UInt8] {
        var w = ByteWriter()
        w.write(magic)
        w.write(version)
        w.write(kind)
        w.write(peer)
        w.write(UInt64(1))
        w.write(UInt64(2))
        w.write(UInt64(3))
        w.write(UInt32(4))
        w.write(UInt32(1))
        w.write(UInt8(portCount ?? ports.count))
        for port in ports { w.write(port) }
        w.write(UInt8(nickname.count))
        w.write(nickname)
        w.write(UInt8(nonceCount ?? nonces.count))
        for nonce in nonces { w.write(nonce) }
        w.write(extensions)
        w.write(fakeSignature)
        return w.bytes
    }

    @Test(
        "every kind round-trips",
        arguments: [
            packet(kind: .announce, ports: [7000, 7001], nonces: [1, .max]),
            packet(kind: .query, ports: [], nonces: [42]),
            packet(kind: .query, ports: [65535], nonces: [0]),
            packet(kind: .goodbye, ports: []),
        ])
    func roundTrip(packet: DiscoveryPacket) throws {
        let bytes = Self.datagram(packet)
        let received = try DiscoveryPacket.decode(bytes)
        #expect(received.packet == packet)
        #expect(received.signature == Self.fakeSignature)
        #expect(received.signedMessage == DiscoveryPacket.signatureContext + packet.encodeBody())
    }

    @Test func encodedLayout() {
        let bytes = Self.packet(ports: [0x1B58], nickname: "zé", nonces: [0x0102]).encodeBody()
        #expect(Array(bytes[0..<4]) == Array("PRLY".utf8))
        #expect(bytes[4] == 1)  // version
        #expect(bytes[5] == 1)  // announce
        #expect(Array(bytes[6..<38]) == Self.peer)
        #expect(Array(bytes[38..<46]) == [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        #expect(Array(bytes[46..<54]) == [0, 0, 0, 0, 0, 0, 0, 9])  // counter
        #expect(Array(bytes[62..<66]) == [0, 0, 0x75, 0x30])  // validity 30000 ms
        #expect(Array(bytes[66..<70]) == [0, 0, 0, 1])  // capabilities: text
        #expect(Array(bytes[70..<73]) == [1, 0x1B, 0x58])  // one port, 7000
        #expect(Array(bytes[73..<77]) == [3] + Array("zé".utf8))
        #expect(Array(bytes[77...]) == [1, 0, 0, 0, 0, 0, 0, 1, 2])  // one nonce
        #expect(bytes.count == DiscoveryPacket.fixedLength + 2 + 3 + 8)
    }

    /// The size that matters for the idle traffic budget: a typical announcement.
    @Test func typicalAnnouncementIsSmall() {
        let bytes = Self.datagram(Self.packet(nickname: "alice"))
        #expect(bytes.count == 144)
    }

    @Test func largestValidPacketFitsTheLimit() throws {
        let packet = Self.packet(
            ports: [1, 2, 3, 4], nickname: String(repeating: "n", count: Limits.maxNicknameBytes),
            nonces: Array(1...UInt64(DiscoveryLimits.maxEchoedNonces)))
        let bytes = Self.datagram(packet)
        #expect(bytes.count == 305)
        #expect(bytes.count <= DiscoveryLimits.maxPacket)
        #expect(try DiscoveryPacket.decode(bytes).packet == packet)
    }

    @Test func packetOfExactlyTheLimitDecodesAndOnePastIsOversized() throws {
        let base = Self.datagram(Self.packet()).count
        let atLimit = Self.datagram(
            Self.packet(), extensions: [UInt8](repeating: 7, count: DiscoveryLimits.maxPacket - base))
        #expect(atLimit.count == DiscoveryLimits.maxPacket)
        let received = try DiscoveryPacket.decode(atLimit)
        #expect(received.packet == Self.packet(), "extensions are ignored")
        #expect(received.signedMessage.count == DiscoveryPacket.signatureContext.count + atLimit.count - 64)

        let past = Self.datagram(
            Self.packet(), extensions: [UInt8](repeating: 7, count: DiscoveryLimits.maxPacket - base + 1))
        #expect(throws: DiscoveryDecodeError.oversized(length: DiscoveryLimits.maxPacket + 1)) {
            try DiscoveryPacket.decode(past)
        }
    }

    @Test func portsAtTheLimitAndOnePast() throws {
        let four = Self.raw(ports: [1, 2, 3, 4])
        #expect(try DiscoveryPacket.decode(four).packet.ports == [1, 2, 3, 4])
        #expect(throws: DiscoveryDecodeError.malformed("port count 5")) {
            try DiscoveryPacket.decode(Self.raw(ports: [1, 2, 3, 4, 5]))
        }
        #expect(throws: DiscoveryDecodeError.malformed("port 0")) {
            try DiscoveryPacket.decode(Self.raw(ports: [7000, 0]))
        }
    }

    @Test func noncesAtTheLimitAndOnePast() throws {
        let limit = DiscoveryLimits.maxEchoedNonces
        let full = Self.raw(nonces: Array(1...UInt64(limit)))
        #expect(try DiscoveryPacket.decode(full).packet.nonces.count == limit)
        #expect(throws: DiscoveryDecodeError.malformed("nonce count \(limit + 1)")) {
            try DiscoveryPacket.decode(Self.raw(nonces: Array(1...UInt64(limit + 1))))
        }
    }

    @Test func nicknameAtTheLimitAndOnePast() throws {
        let limit = Limits.maxNicknameBytes
        let nick = [UInt8](repeating: UInt8(ascii: "n"), count: limit)
        #expect(try DiscoveryPacket.decode(Self.raw(nickname: nick)).packet.nickname.utf8.count == limit)
        #expect(throws: DiscoveryDecodeError.malformed("nickname")) {
            try DiscoveryPacket.decode(Self.raw(nickname: nick + [UInt8(ascii: "n")]))
        }
        for bad in [[], Array("a b".utf8), Array("x\u{1B}[2J".utf8), [0xFF]] as [[UInt8]] {
            #expect(throws: DiscoveryDecodeError.malformed("nickname")) {
                try DiscoveryPacket.decode(Self.raw(nickname: bad))
            }
        }
    }

    @Test func everyTruncationIsRefusedWithoutTrapping() {
        let bytes = Self.datagram(Self.packet(ports: [7000, 7001], nonces: [5]))
        for length in 0..<bytes.count {
            #expect(throws: DiscoveryDecodeError.self, "prefix of \(length) bytes") {
                try DiscoveryPacket.decode(Array(bytes.prefix(length)))
            }
        }
        #expect(throws: DiscoveryDecodeError.truncated) { try DiscoveryPacket.decode(Array(bytes.prefix(100))) }
        #expect(throws: DiscoveryDecodeError.notParley) { try DiscoveryPacket.decode([]) }
    }

    @Test func countsPointingPastTheirFieldsAreRefused() {
        // Three ports read the nickname as ports; what follows no longer parses.
        #expect(throws: DiscoveryDecodeError.self) {
            try DiscoveryPacket.decode(Self.raw(ports: [7000], portCount: 3))
        }
        #expect(throws: DiscoveryDecodeError.truncated) {
            try DiscoveryPacket.decode(Self.raw(nonces: [1], nonceCount: 9))
        }
    }

    @Test func foreignVersionAndKindAreTold() {
        #expect(throws: DiscoveryDecodeError.notParley) {
            try DiscoveryPacket.decode(Self.raw(magic: Array("PRLZ".utf8)))
        }
        #expect(throws: DiscoveryDecodeError.notParley) { try DiscoveryPacket.decode(Array("GET / HTTP/1.1".utf8)) }
        #expect(throws: DiscoveryDecodeError.unsupportedVersion(2)) { try DiscoveryPacket.decode(Self.raw(version: 2)) }
        // A later version may be shorter; the version is read before any length check.
        #expect(throws: DiscoveryDecodeError.unsupportedVersion(9)) {
            try DiscoveryPacket.decode(DiscoveryPacket.magic + [9])
        }
        // The rule that lets older receivers drop the relay kinds (4, 5) before any signature check.
        #expect(throws: DiscoveryDecodeError.malformed("kind 6")) { try DiscoveryPacket.decode(Self.raw(kind: 6)) }
        #expect(throws: DiscoveryDecodeError.malformed("kind 0")) { try DiscoveryPacket.decode(Self.raw(kind: 0)) }
    }

    @Test func eachKindCarriesWhatItMust() {
        #expect(throws: DiscoveryDecodeError.malformed("announcement without a port")) {
            try DiscoveryPacket.decode(Self.raw(kind: 1, ports: []))
        }
        #expect(throws: DiscoveryDecodeError.malformed("query without exactly one nonce")) {
            try DiscoveryPacket.decode(Self.raw(kind: 2, nonces: []))
        }
        #expect(throws: DiscoveryDecodeError.malformed("query without exactly one nonce")) {
            try DiscoveryPacket.decode(Self.raw(kind: 2, nonces: [1, 2]))
        }
        #expect(throws: DiscoveryDecodeError.malformed("goodbye with nonces")) {
            try DiscoveryPacket.decode(Self.raw(kind: 3, nonces: [1]))
        }
        #expect((try? DiscoveryPacket.decode(Self.raw(kind: 2, ports: [], nonces: [1]))) != nil)
        #expect((try? DiscoveryPacket.decode(Self.raw(kind: 3, ports: []))) != nil)
    }
}
