/// Encodes and decodes `Frame`s. Pure; every length is checked against `Limits`.
public enum FrameCodec {
    public static func encode(_ frame: Frame) -> [UInt8] {
        var w = ByteWriter(capacity: frame.encodedCapacityHint)
        w.write(Frame.formatVersion)
        switch frame {
        case .text(let id, let sentAt, let text):
            w.write(FrameType.text.rawValue)
            w.write(id)
            w.write(sentAt)
            w.write(text.utf8)
        case .ack(let id):
            w.write(FrameType.ack.rawValue)
            w.write(id)
        case .ping(let token):
            w.write(FrameType.ping.rawValue)
            w.write(token)
        case .pong(let token):
            w.write(FrameType.pong.rawValue)
            w.write(token)
        case .bye(let reason):
            w.write(FrameType.bye.rawValue)
            w.write(reason.rawValue)
        case .nickname(let nickname):
            w.write(FrameType.nickname.rawValue)
            w.write(nickname.utf8)
        case .presence(let presence):
            w.write(FrameType.presence.rawValue)
            switch presence {
            case .online: w.write(Presence.State.online.rawValue)
            case .away(let message):
                w.write(Presence.State.away.rawValue)
                w.write(message.utf8)
            }
        case .roomKey(let key):
            w.write(FrameType.roomKey.rawValue)
            w.write(key.id)
            w.write(key.bytes)
        case .voice(let packet):
            w.write(FrameType.voice.rawValue)
            w.write(packet.callID)
            w.write(packet.sequence)
            w.write(packet.timestamp)
            w.write(packet.payload)
        case .call(let signal):
            encode(signal, into: &w)
        case .file(let file):
            encode(file, into: &w)
        }
        return w.bytes
    }

    /// Decodes one frame. Unknown versions and types come back as `.unknown`; a known frame
    /// whose body is short, too long or not valid UTF-8 (or not a valid nickname) throws.
    /// Bytes after the known fields of fixed-size frames are ignored (room for extensions).
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> DecodedFrame {
        guard bytes.count <= Limits.maxFramePlaintext else {
            throw .oversized(length: bytes.count, limit: Limits.maxFramePlaintext)
        }
        var r = ByteReader(bytes, what: "frame")
        let version = try r.readUInt8()
        let typeByte = try r.readUInt8()
        guard version == Frame.formatVersion, let type = FrameType(rawValue: typeByte) else {
            return .unknown(version: version, type: typeByte)
        }
        switch type {
        case .text:
            let id = try r.readUInt64()
            let sentAt = try r.readUInt64()
            let body = r.readRest()
            guard body.count <= Limits.maxTextBytes else {
                throw .oversized(length: body.count, limit: Limits.maxTextBytes)
            }
            guard let text = String(validating: body, as: UTF8.self) else {
                throw .malformed(what: "text (not UTF-8)")
            }
            return .frame(.text(id: id, sentAt: sentAt, text: text))
        case .ack:
            return .frame(.ack(id: try r.readUInt64()))
        case .ping:
            return .frame(.ping(token: try r.readUInt64()))
        case .pong:
            return .frame(.pong(token: try r.readUInt64()))
        case .bye:
            return .frame(.bye(reason: ByeReason(wireValue: try r.readUInt8())))
        case .nickname:
            return .frame(.nickname(try decodeNickname(r.readRest())))
        case .presence:
            return .frame(.presence(try decodePresence(&r)))
        case .roomKey:
            let id = try r.readUInt32()
            return .frame(.roomKey(RoomKey(id: id, bytes: try r.readBytes(RoomKey.keyBytes))!))
        case .voice:
            return .frame(.voice(try decodeVoice(&r)))
        case .callInvite, .callRinging, .callAccept, .callDecline, .callBusy, .callCancel, .callHangup, .callReport:
            return .frame(.call(try decodeCall(type, &r)))
        case .fileOffer, .fileAnswer, .fileHashRequest, .fileHashes, .fileRequest, .fileChunk, .fileComplete,
            .fileCancel:
            return .frame(.file(try decodeFile(type, &r)))
        }
    }
}

extension FrameCodec {
    /// A nickname frame's body: 1 to `Limits.maxNicknameBytes` bytes of UTF-8 that
    /// `Nickname.isValid` accepts.
    static func decodeNickname(_ body: [UInt8]) throws(WireError) -> String {
        guard body.count <= Limits.maxNicknameBytes else {
            throw .oversized(length: body.count, limit: Limits.maxNicknameBytes)
        }
        guard let nickname = String(validating: body, as: UTF8.self), Nickname.isValid(nickname) else {
            throw .malformed(what: "nickname")
        }
        return nickname
    }

    /// A presence frame's body: the state byte (0 online, 1 away), then for away its message:
    /// the rest of the frame, UTF-8 that `Presence.isValidAwayMessage` accepts. Online carries
    /// no message: bytes after its state byte are ignored (room for extensions).
    static func decodePresence(_ r: inout ByteReader) throws(WireError) -> Presence {
        switch Presence.State(rawValue: try r.readUInt8()) {
        case .online: return .online
        case .away:
            let body = r.readRest()
            guard body.count <= Limits.maxAwayMessageBytes else {
                throw .oversized(length: body.count, limit: Limits.maxAwayMessageBytes)
            }
            guard let message = String(validating: body, as: UTF8.self), Presence.isValidAwayMessage(message) else {
                throw .malformed(what: "away message")
            }
            return .away(message)
        case nil: throw .malformed(what: "presence state")
        }
    }
}
