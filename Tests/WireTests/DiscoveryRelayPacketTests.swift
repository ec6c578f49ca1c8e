import Testing

@testable import Wire

/// The relay kinds of the discovery packet (docs/PROTOCOL.md §10.1): a relay's announcement
/// (4) and its goodbye (5), every field at its limit and one past.
@Suite("DiscoveryPacket, relay kinds")
struct DiscoveryRelayPacketTests {
    typealias P = DiscoveryPacketTests

    static func relay(ports: [UInt16] = [7777], nickname: String = "relay", nonces: [UInt64] = []) -> DiscoveryPacket {
        DiscoveryPacket(
            kind: .relay, peerID: P.peer, instance: 0x0102_0304_0506_0708, counter: 3, timestamp: 1_700_000_000_000,
            validity: 30_000, capabilities: [], ports: ports, nickname: nickname, nonces: nonces)
    }

    @Test(
        "relay kinds round-trip",
        arguments: [
            relay(),
            relay(ports: [1, 65535], nonces: [7, .max]),
            DiscoveryPacket(
                kind: .relayGoodbye, peerID: P.peer, instance: 1, counter: 9, timestamp: 1, validity: 30_000,
                capabilities: [], ports: [], nickname: "relay", nonces: []),
        ])
    func roundTrip(packet: DiscoveryPacket) throws {
        let received = try DiscoveryPacket.decode(P.datagram(packet))
        #expect(received.packet == packet)
        #expect(received.packet.kind.isRelay)
        #expect(received.signedMessage == DiscoveryPacket.signatureContext + packet.encodeBody())
    }

    @Test func kindBytesAndTheKindsThatAreNotRelays() {
        #expect(Self.relay().encodeBody()[5] == 4)
        #expect(DiscoveryPacket.Kind.relayGoodbye.rawValue == 5)
        #expect(!DiscoveryPacket.Kind.announce.isRelay && !DiscoveryPacket.Kind.query.isRelay)
        #expect(!DiscoveryPacket.Kind.goodbye.isRelay)
    }

    /// A relay announcement is as large as a peer's: one port and the nickname "relay".
    @Test func typicalRelayAnnouncementIs144Bytes() {
        #expect(P.datagram(Self.relay()).count == 144)
    }

    @Test func largestRelayPacketIs305Bytes() throws {
        let packet = Self.relay(
            ports: [1, 2, 3, 4], nickname: String(repeating: "r", count: Limits.maxNicknameBytes),
            nonces: Array(1...UInt64(DiscoveryLimits.maxEchoedNonces)))
        let bytes = P.datagram(packet)
        #expect(bytes.count == 305)
        #expect(try DiscoveryPacket.decode(bytes).packet == packet)
    }

    @Test func sizeAtTheLimitAndOnePast() throws {
        let base = P.datagram(Self.relay()).count
        let atLimit = P.datagram(
            Self.relay(), extensions: [UInt8](repeating: 1, count: DiscoveryLimits.maxPacket - base))
        #expect(try DiscoveryPacket.decode(atLimit).packet == Self.relay())
        let past = P.datagram(
            Self.relay(), extensions: [UInt8](repeating: 1, count: DiscoveryLimits.maxPacket - base + 1))
        #expect(throws: DiscoveryDecodeError.oversized(length: DiscoveryLimits.maxPacket + 1)) {
            try DiscoveryPacket.decode(past)
        }
    }

    @Test func portsAtTheLimitAndOnePast() throws {
        #expect(try DiscoveryPacket.decode(P.raw(kind: 4, ports: [1, 2, 3, 4])).packet.ports == [1, 2, 3, 4])
        #expect(throws: DiscoveryDecodeError.malformed("port count 5")) {
            try DiscoveryPacket.decode(P.raw(kind: 4, ports: [1, 2, 3, 4, 5]))
        }
        #expect(throws: DiscoveryDecodeError.malformed("relay announcement without a port")) {
            try DiscoveryPacket.decode(P.raw(kind: 4, ports: []))
        }
        #expect(throws: DiscoveryDecodeError.malformed("port 0")) {
            try DiscoveryPacket.decode(P.raw(kind: 4, ports: [0]))
        }
    }

    @Test func noncesAtTheLimitAndOnePast() throws {
        let limit = DiscoveryLimits.maxEchoedNonces
        #expect(
            try DiscoveryPacket.decode(P.raw(kind: 4, nonces: Array(1...UInt64(limit)))).packet.nonces.count == limit)
        #expect(throws: DiscoveryDecodeError.malformed("nonce count \(limit + 1)")) {
            try DiscoveryPacket.decode(P.raw(kind: 4, nonces: Array(1...UInt64(limit + 1))))
        }
        #expect(throws: DiscoveryDecodeError.malformed("goodbye with nonces")) {
            try DiscoveryPacket.decode(P.raw(kind: 5, ports: [], nonces: [1]))
        }
        #expect((try? DiscoveryPacket.decode(P.raw(kind: 5, ports: []))) != nil)
    }

    @Test func nicknameAtTheLimitAndOnePast() throws {
        let nick = [UInt8](repeating: UInt8(ascii: "r"), count: Limits.maxNicknameBytes)
        #expect(try DiscoveryPacket.decode(P.raw(kind: 4, nickname: nick)).packet.nickname.utf8.count == nick.count)
        #expect(throws: DiscoveryDecodeError.malformed("nickname")) {
            try DiscoveryPacket.decode(P.raw(kind: 4, nickname: nick + [UInt8(ascii: "r")]))
        }
        #expect(throws: DiscoveryDecodeError.malformed("nickname")) {
            try DiscoveryPacket.decode(P.raw(kind: 4, nickname: []))
        }
    }

    @Test func everyTruncationIsRefused() {
        let bytes = P.datagram(Self.relay(ports: [7777, 7778], nonces: [5]))
        for length in 0..<bytes.count {
            #expect(throws: DiscoveryDecodeError.self, "prefix of \(length) bytes") {
                try DiscoveryPacket.decode(Array(bytes.prefix(length)))
            }
        }
    }
}
