import Identity
import Wire

// The decoder targets: each takes any bytes, and checks what the decoder accepts against the
// encoder (decode(encode(v)) == v, and encode(v) is the input or, where trailing bytes are room
// for extensions, its prefix).

/// The length-prefix reassembler (Wire/LengthPrefix.swift): a limit, then the stream cut into
/// segments of input-chosen sizes. Checked against a one-pass reading of the whole stream.
public enum LengthPrefixTarget {
    public static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let limits = [0, 1, Limits.maxHandshakeMessage, Limits.maxTransportMessage, Limits.maxNoiseMessage]
        let limit = limits[Int(input.byte()) % limits.count]
        var reassembler = LengthPrefixReassembler(maxMessageLength: limit)
        var stream: [UInt8] = []
        var messages: [[UInt8]] = []
        var failed = false
        while !input.isAtEnd && !failed {
            let segment = input.chunk()
            stream += segment
            if input.bool() {
                reassembler.append(segment)
            } else {
                segment.withUnsafeBytes { reassembler.append($0) }
            }
            while true {
                let complete = reassembler.hasCompleteMessage
                do {
                    guard let message = try reassembler.next() else {
                        fuzzCheck(!complete, "hasCompleteMessage but next() gave nothing")
                        break
                    }
                    fuzzCheck(complete, "next() gave a message hasCompleteMessage did not announce")
                    fuzzCheck(message.count <= limit, "message of \(message.count) bytes over the limit \(limit)")
                    messages.append(message)
                } catch {
                    fuzzCheck(complete, "next() threw without hasCompleteMessage")
                    failed = true
                    break
                }
            }
            let consumed = messages.reduce(0) { $0 + $1.count + LengthPrefix.headerLength }
            fuzzCheck(reassembler.bufferedByteCount == stream.count - consumed, "buffered count drifted")
        }
        // The same stream read in one pass gives the same messages.
        var offset = 0
        for message in messages {
            let length = Int(stream[offset]) << 8 | Int(stream[offset + 1])
            fuzzCheck(length == message.count, "message length differs from its prefix")
            fuzzCheck(
                LengthPrefix.frame(message) == Array(stream[offset..<offset + 2 + length]), "reframed message differs")
            offset += 2 + length
        }
    }

    public static func seeds() -> [[UInt8]] {
        let one = LengthPrefix.frame(Array("hello".utf8))
        let two = LengthPrefix.frame([]) + LengthPrefix.frame([1, 2, 3])
        return [
            [2, UInt8(one.count)] + one + [1],
            [3, 1, two[0], 0, UInt8(two.count - 1)] + Array(two.dropFirst()) + [1],
            [1, 4, 0xFF, 0xFF, 0, 0, 1],
        ]
    }
}

/// Frames (Wire/FrameCodec*.swift): every frame type, call signals and voice included.
public enum FrameCodecTarget {
    public static func run(_ data: [UInt8]) {
        let decoded: DecodedFrame
        do {
            decoded = try FrameCodec.decode(data)
        } catch {
            return
        }
        guard case .frame(let frame) = decoded else { return }
        let encoded = FrameCodec.encode(frame)
        fuzzCheck((try? FrameCodec.decode(encoded)) == .frame(frame), "decode(encode(\(frame))) differs")
        switch frame {
        case .text(_, _, let text):
            fuzzCheck(text.utf8.count <= Limits.maxTextBytes, "text over its limit")
            fuzzCheck(encoded == data, "text not canonical")
        case .nickname(let nickname):
            fuzzCheck(Nickname.isValid(nickname), "invalid nickname accepted")
            fuzzCheck(encoded == data, "nickname not canonical")
        case .presence(.away(let message)):
            fuzzCheck(Presence.isValidAwayMessage(message), "invalid away message accepted")
            fuzzCheck(encoded == data, "away not canonical")
        case .presence(.online):
            fuzzCheck(data.starts(with: encoded), "online presence not a prefix of its input")
        case .voice:
            fuzzCheck(encoded == data, "voice not canonical")
        case .roomKey(let key):
            fuzzCheck(key.bytes.count == RoomKey.keyBytes, "room key of \(key.bytes.count) bytes")
            fuzzCheck(data.starts(with: encoded), "room key not a prefix of its input")
        case .ack, .ping, .pong:
            fuzzCheck(data.starts(with: encoded), "fixed-size frame not a prefix of its input")
        case .bye, .call, .file(.cancel):
            // Unknown reasons decode to `.other`: encoded again they differ from the input.
            break
        case .file(.offer(let offer)):
            fuzzCheck(offer.size <= FileLimits.maxFileSize && offer.pieceCount <= FileLimits.maxPieces, "offer over its limits")
            fuzzCheck(!offer.name.isEmpty && offer.name.utf8.count <= FileLimits.maxNameBytes, "offer name length")
            fuzzCheck(!offer.name.unicodeScalars.contains("\0"), "NUL in an offered name")
            fuzzCheck(encoded == data, "offer not canonical")
        case .file(.hashes(_, _, let hashes)):
            fuzzCheck(!hashes.isEmpty && hashes.count <= FileLimits.maxHashesPerFrame, "hash count")
            fuzzCheck(encoded == data, "hashes not canonical")
        case .file(.chunk(_, _, _, let bytes)):
            fuzzCheck(!bytes.isEmpty && bytes.count <= FileLimits.maxChunkBytes, "chunk length")
            fuzzCheck(encoded == data, "chunk not canonical")
        case .file(.hashRequest(_, _, let count)):
            fuzzCheck(count >= 1 && Int(count) <= FileLimits.maxHashesPerFrame, "hash request count")
            fuzzCheck(data.starts(with: encoded), "fixed-size frame not a prefix of its input")
        case .file(.answer), .file(.request), .file(.complete):
            fuzzCheck(data.starts(with: encoded), "fixed-size frame not a prefix of its input")
        }
        fuzzCheck(encoded.count <= Limits.maxFramePlaintext, "frame of \(encoded.count) bytes over the limit")
    }

    public static func seeds() -> [[UInt8]] { sampleFrames().map(FrameCodec.encode) }

    /// One frame of every type.
    public static func sampleFrames() -> [Frame] {
        let params = CallParams()
        let report = CallReport(
            framesReceived: 50, framesLost: 1, framesLate: 2, jitterMicroseconds: 800, bufferDepthMilliseconds: 60)
        return [
            .text(id: 7, sentAt: 1_700_000_000_000, text: "hi ✓"),
            .ack(id: 7), .ping(token: 1), .pong(token: 1), .bye(reason: .moved), .nickname("carol"),
            .presence(.away("at lunch ☕")), .presence(.online),
            .voice(VoicePacket(callID: 9, sequence: 1, timestamp: 960, payload: [0xFC, 1, 2])),
            .call(.invite(9, offer: params)), .call(.ringing(9)), .call(.accept(9, chosen: params)),
            .call(.decline(9)), .call(.busy(9)), .call(.cancel(9)), .call(.hangup(9, reason: .mediaTimeout)),
            .call(.report(9, report)),
            .file(.offer(FileOffer(transfer: 5, size: 200_000, pieceShift: 16, root: Array(repeating: 0xA5, count: 32), name: "notes.txt"))),
            .file(.answer(transfer: 5, accepted: true)), .file(.hashRequest(transfer: 5, first: 0, count: 4)),
            .file(.hashes(transfer: 5, first: 0, hashes: [Array(repeating: 1, count: 32), Array(repeating: 2, count: 32)])),
            .file(.request(transfer: 5, piece: 3)), .file(.chunk(transfer: 5, piece: 3, offset: 0, bytes: [1, 2, 3, 4])),
            .file(.complete(transfer: 5)), .file(.cancel(transfer: 5, reason: .sourceChanged)),
            .roomKey(RoomKey(id: 3, bytes: [UInt8](repeating: 0x5A, count: RoomKey.keyBytes))!),
        ]
    }
}

/// The identity payload of the handshake (Wire/HandshakePayload.swift).
public enum HandshakePayloadTarget {
    public static func run(_ data: [UInt8]) {
        guard let payload = try? HandshakePayload.decode(data) else { return }
        fuzzCheck(Nickname.isValid(payload.nickname), "invalid nickname accepted")
        let encoded = payload.encode()
        fuzzCheck(data.starts(with: encoded), "encode(decode(x)) is not a prefix of x")
        fuzzCheck((try? HandshakePayload.decode(encoded)) == payload, "decode(encode(p)) differs")
    }

    public static func seeds() -> [[UInt8]] {
        [
            try! Fixtures.alice.handshakePayload().encode(),
            try! Fixtures.bob.handshakePayload(capabilities: [.text]).encode(),
        ]
    }
}

/// LAN discovery datagrams (Wire/DiscoveryPacket.swift), signature not checked here.
public enum DiscoveryPacketTarget {
    public static func run(_ data: [UInt8]) {
        guard let received = try? DiscoveryPacket.decode(data) else { return }
        fuzzCheck(data.count <= DiscoveryLimits.maxPacket, "packet over its limit accepted")
        // encodeBody's preconditions hold for everything decode accepts.
        let body = received.packet.encodeBody()
        let signedBody = Array(data.dropLast(DiscoveryPacket.signatureLength))
        fuzzCheck(signedBody.starts(with: body), "re-encoded body is not a prefix of the received one")
        fuzzCheck(received.signedMessage == DiscoveryPacket.signedMessage(body: signedBody), "signed bytes differ")
        fuzzCheck(received.signature == Array(data.suffix(DiscoveryPacket.signatureLength)), "signature differs")
        let again = try? DiscoveryPacket.decode(body + received.signature)
        fuzzCheck(again?.packet == received.packet, "decode(encode(p)) differs")
    }

    public static func seeds() -> [[UInt8]] {
        DiscoveryMachineTarget.samplePackets().map { try! Fixtures.carol.signedDatagram($0) }
    }
}

/// Messages of the client↔relay link (Wire/RelayCodec.swift).
public enum RelayCodecTarget {
    public static func run(_ data: [UInt8]) {
        let message: RelayMessage?
        do {
            message = try RelayCodec.decode(data)
        } catch {
            fuzzCheck((try? RelayCodec.decode(taking: data)) == nil, "decode(taking:) accepts what decode refuses")
            return
        }
        fuzzCheck((try? RelayCodec.decode(taking: data)) == message, "decode(taking:) differs from decode")
        guard let message else { return }
        let encoded = RelayCodec.encode(message)
        fuzzCheck((try? RelayCodec.decode(encoded)) == message, "decode(encode(\(message))) differs")
        switch message {
        case .error: break  // unknown codes decode to one value
        case .data, .identity, .post, .roomPost:
            fuzzCheck(encoded == data, "\(message) not canonical")
        default:
            fuzzCheck(data.starts(with: encoded), "\(message): encoded is not a prefix of its input")
        }
        let framed = RelayCodec.encode(message, headroom: 2, tailroom: 16)
        fuzzCheck(Array(framed.dropFirst(2)) == encoded, "encode with headroom differs")
    }

    public static func seeds() -> [[UInt8]] {
        (RelayCoreTarget.sampleMessages() + [
            .post(sealed: [UInt8](repeating: 0x5C, count: 120)),
            .roomPost(peer: Fixtures.bob.peerID.bytes, sealed: [UInt8](repeating: 0x5C, count: 120)),
        ]).map { RelayCodec.encode($0) }
    }
}
