import Testing
import Wire

@Suite struct RelayCodecTests {
    static let peer = [UInt8](repeating: 7, count: 32)

    @Test(arguments: [
        RelayMessage.register(network: Array("lab".utf8)), .register(network: []), .list,
        .open(circuit: 1, peer: peer), .data(circuit: 0x8000_0001, payload: [1, 2, 3]), .data(circuit: 9, payload: []),
        .close(circuit: 5), .ping(token: 42), .pong(token: 43), .registered,
        .peers([RelayPeerEntry(peerID: peer, nickname: "bob"), RelayPeerEntry(peerID: peer, nickname: "👩‍💻")]),
        .incoming(circuit: 0x8000_0000, peer: peer, nickname: "alice"), .error(code: .peerUnavailable, circuit: 3),
        .lookup(peer: peer), .store(peer: peer, sealed: [9, 9]), .mailAck(id: 77), .stored,
        .identity(peer: peer, staticKey: peer, payload: [1, 2, 3]), .mail(id: 5, sealed: [4]),
        .error(code: .mailboxFull, circuit: 0), .watch, .presence([]), .post(sealed: [1, 2]), .post(sealed: []),
        .roomPost(peer: peer, sealed: [3]),
        .presence([
            RelayPresenceChange(peer: RelayPeerEntry(peerID: peer, nickname: "bob"), online: true),
            RelayPresenceChange(peer: RelayPeerEntry(peerID: peer, nickname: "👩‍💻"), online: false),
        ]),
    ])
    func roundTrips(_ message: RelayMessage) throws {
        #expect(try RelayCodec.decode(RelayCodec.encode(message)) == message)
    }

    /// `decode(taking:)` gives what `decode` gives, for every kind of message and for bad input.
    @Test(
        arguments: [
            [1, 4, 0x80, 0, 0, 1, 9, 8, 7], [1, 4, 0, 0, 0, 9], [1, 4, 0, 0, 1], [1, 4], [1, 0x05, 0, 0, 0, 5],
            [2, 4, 0, 0, 0, 1, 5], [1, 0x7F, 0, 0, 0, 0], RelayCodec.encode(.ping(token: 3)),
            [1, 4, 0, 0, 0, 1] + [UInt8](repeating: 0xEE, count: RelayLimits.maxDataPayload),
        ] as [[UInt8]])
    func decodingByTakingTheBytesDecodesTheSame(_ bytes: [UInt8]) {
        let expected = Result { try RelayCodec.decode(bytes) }
        let taken = Result { try RelayCodec.decode(taking: bytes) }
        switch (expected, taken) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)")
        default: Issue.record("decode and decode(taking:) disagree on \(bytes.prefix(8))")
        }
    }

    @Test func decodingByTakingRefusesADataMessageOnePastTheLimit() {
        let past = [1, 4, 0, 0, 0, 1] + [UInt8](repeating: 0xEE, count: RelayLimits.maxDataPayload + 1)
        #expect(throws: WireError.self) { try RelayCodec.decode(taking: past) }
    }

    @Test func dataLayoutIsVersionTypeCircuitPayload() {
        #expect(RelayCodec.encode(.data(circuit: 0x0102_0304, payload: [0xAA])) == [1, 4, 1, 2, 3, 4, 0xAA])
    }

    @Test func unknownTypesAndVersionsAreSkipped() throws {
        #expect(try RelayCodec.decode([1, 0x7F]) == nil)
        #expect(try RelayCodec.decode([2, 0x01, 0]) == nil)
    }

    @Test func truncatedBodiesThrow() {
        #expect(throws: WireError.self) { try RelayCodec.decode([1, 0x03, 0, 0, 0, 1]) }
        #expect(throws: WireError.self) { try RelayCodec.decode([1]) }
        #expect(throws: WireError.self) { try RelayCodec.decode([1, 0x84, 3]) }
    }

    @Test func networkNameAtTheLimitAndOnePast() throws {
        let atLimit = [UInt8](repeating: 0x61, count: RelayLimits.maxNetworkBytes)
        #expect(try RelayCodec.decode(RelayCodec.encode(.register(network: atLimit))) == .register(network: atLimit))
        let past = [1, 0x01, UInt8(RelayLimits.maxNetworkBytes + 1)] + atLimit + [0x61]
        #expect(throws: WireError.oversized(length: 65, limit: 64)) { try RelayCodec.decode(past) }
    }

    @Test func messageSizeAtTheLimitAndOnePast() throws {
        let payload = [UInt8](repeating: 0, count: RelayLimits.maxDataPayload)
        let atLimit = RelayCodec.encode(.data(circuit: 1, payload: payload))
        #expect(atLimit.count == RelayLimits.maxMessagePlaintext)
        #expect(try RelayCodec.decode(atLimit) == .data(circuit: 1, payload: payload))
        #expect(throws: WireError.self) { try RelayCodec.decode(atLimit + [0]) }
    }

    @Test func dataPayloadHoldsAWholeEndToEndTransportMessage() {
        #expect(RelayLimits.maxDataPayload >= Limits.maxTransportMessage + LengthPrefix.headerLength)
        #expect(RelayLimits.maxLinkMessage <= Limits.maxNoiseMessage)
    }

    @Test func listedPeersAtTheLimitAndOnePast() throws {
        let entry = RelayPeerEntry(peerID: Self.peer, nickname: "p")
        let full = RelayCodec.encode(.peers(Array(repeating: entry, count: RelayLimits.maxListedPeers)))
        #expect(try RelayCodec.decode(full) == .peers(Array(repeating: entry, count: RelayLimits.maxListedPeers)))
        var past = [UInt8](full)
        past[2] = UInt8((RelayLimits.maxListedPeers + 1) >> 8)
        past[3] = UInt8((RelayLimits.maxListedPeers + 1) & 0xFF)
        past += Self.peer + [1, 0x70]
        #expect(throws: WireError.self) { try RelayCodec.decode(past) }
    }

    @Test func badNicknameInAListingThrows() {
        let bytes: [UInt8] = [1, 0x82, 0, 1] + Self.peer + [2, 0x0A, 0x61]
        #expect(throws: WireError.malformed(what: "nickname")) { try RelayCodec.decode(bytes) }
    }

    @Test func sealedMessageAtTheLimitAndOnePast() throws {
        let atLimit = [UInt8](repeating: 1, count: RelayLimits.maxSealedMessage)
        let encoded = RelayCodec.encode(.store(peer: Self.peer, sealed: atLimit))
        #expect(try RelayCodec.decode(encoded) == .store(peer: Self.peer, sealed: atLimit))
        #expect(throws: WireError.oversized(length: atLimit.count + 1, limit: RelayLimits.maxSealedMessage)) {
            try RelayCodec.decode(encoded + [1])
        }
        let mail = RelayCodec.encode(.mail(id: 1, sealed: atLimit))
        #expect(try RelayCodec.decode(mail) == .mail(id: 1, sealed: atLimit))
        #expect(throws: WireError.self) { try RelayCodec.decode(mail + [1]) }
    }

    /// `post` is the sealed bytes alone; `roomPost` puts the poster's ID before them. Both at
    /// `maxPostBytes` and one past it.
    @Test func postsAtTheLimitAndOnePast() throws {
        let atLimit = [UInt8](repeating: 2, count: RelayLimits.maxPostBytes)
        #expect(RelayCodec.encode(.post(sealed: [9])) == [1, 0x0C, 9])
        #expect(RelayCodec.encode(.roomPost(peer: Self.peer, sealed: [9])) == [1, 0x89] + Self.peer + [9])
        for message in [RelayMessage.post(sealed: atLimit), .roomPost(peer: Self.peer, sealed: atLimit)] {
            let encoded = RelayCodec.encode(message)
            #expect(encoded.count == RelayCodec.encodedCount(message))
            #expect(try RelayCodec.decode(encoded) == message)
            #expect(throws: WireError.oversized(length: atLimit.count + 1, limit: RelayLimits.maxPostBytes)) {
                try RelayCodec.decode(encoded + [1])
            }
        }
        #expect(throws: WireError.self) { try RelayCodec.decode([1, 0x89] + Self.peer.prefix(31)) }
    }

    /// `presence`: `count` u16, then per change `state` u8 (1 registered, 0 left), the peer ID
    /// and a length-prefixed nickname.
    @Test func presenceLayout() {
        let change = RelayPresenceChange(peer: RelayPeerEntry(peerID: Self.peer, nickname: "ab"), online: true)
        #expect(RelayCodec.encode(.presence([change])) == [1, 0x88, 0, 1, 1] + Self.peer + [2, 0x61, 0x62])
        #expect(RelayCodec.encode(.watch) == [1, 0x0B])
        #expect(RelayCodec.encodedCount(.presence([change])) == RelayCodec.encode(.presence([change])).count)
    }

    @Test func presenceChangesAtTheLimitAndOnePast() throws {
        // The longest nickname in every entry: the biggest push still fits a relay message.
        let nickname = String(repeating: "n", count: Limits.maxNicknameBytes)
        let change = RelayPresenceChange(peer: RelayPeerEntry(peerID: Self.peer, nickname: nickname), online: false)
        let full = Array(repeating: change, count: RelayLimits.maxPresenceChanges)
        let encoded = RelayCodec.encode(.presence(full))
        #expect(encoded.count <= RelayLimits.maxMessagePlaintext)
        #expect(try RelayCodec.decode(encoded) == .presence(full))
        var past = encoded
        past[2] = UInt8((RelayLimits.maxPresenceChanges + 1) >> 8)
        past[3] = UInt8((RelayLimits.maxPresenceChanges + 1) & 0xFF)
        past += [0] + Self.peer + [1, 0x70]
        #expect(throws: WireError.oversized(length: 257, limit: RelayLimits.maxPresenceChanges)) {
            try RelayCodec.decode(past)
        }
    }

    @Test func badPresenceEntriesThrow() {
        // A state other than 0 or 1; a nickname past its bound; a truncated entry.
        #expect(throws: WireError.malformed(what: "presence state")) {
            try RelayCodec.decode([1, 0x88, 0, 1, 2] + Self.peer + [1, 0x61])
        }
        let long = [UInt8](repeating: 0x61, count: Limits.maxNicknameBytes + 1)
        #expect(throws: WireError.malformed(what: "nickname")) {
            try RelayCodec.decode([1, 0x88, 0, 1, 1] + Self.peer + [UInt8(long.count)] + long)
        }
        #expect(throws: WireError.self) { try RelayCodec.decode([1, 0x88, 0, 2, 1] + Self.peer + [1, 0x61]) }
    }

    @Test func unknownErrorCodesReadAsOther() throws {
        #expect(try RelayCodec.decode([1, 0x84, 200, 0, 0, 0, 0]) == .error(code: .other, circuit: 0))
    }
}
