/// Voice and call-signalling frames (docs/PROTOCOL.md §11).
extension FrameCodec {
    static func encode(_ signal: CallSignal, into w: inout ByteWriter) {
        switch signal {
        case .invite(let id, let offer):
            w.write(FrameType.callInvite.rawValue)
            w.write(id)
            offer.write(to: &w)
        case .ringing(let id):
            w.write(FrameType.callRinging.rawValue)
            w.write(id)
        case .accept(let id, let chosen):
            w.write(FrameType.callAccept.rawValue)
            w.write(id)
            chosen.write(to: &w)
        case .decline(let id):
            w.write(FrameType.callDecline.rawValue)
            w.write(id)
        case .busy(let id):
            w.write(FrameType.callBusy.rawValue)
            w.write(id)
        case .cancel(let id):
            w.write(FrameType.callCancel.rawValue)
            w.write(id)
        case .hangup(let id, let reason):
            w.write(FrameType.callHangup.rawValue)
            w.write(id)
            w.write(reason.rawValue)
        case .report(let id, let report):
            w.write(FrameType.callReport.rawValue)
            w.write(id)
            w.write(report.framesReceived)
            w.write(report.framesLost)
            w.write(report.framesLate)
            w.write(report.jitterMicroseconds)
            w.write(report.bufferDepthMilliseconds)
        }
    }

    /// The payload is the rest of the frame: 1…`VoiceLimits.maxOpusPayload` bytes.
    static func decodeVoice(_ r: inout ByteReader) throws(WireError) -> VoicePacket {
        let callID = try r.readUInt64()
        let sequence = try r.readUInt32()
        let timestamp = try r.readUInt32()
        let payload = r.readRest()
        guard payload.count <= VoiceLimits.maxOpusPayload else {
            throw .oversized(length: payload.count, limit: VoiceLimits.maxOpusPayload)
        }
        guard payload.count >= VoiceLimits.minOpusPayload else { throw .malformed(what: "voice frame (no payload)") }
        return VoicePacket(callID: callID, sequence: sequence, timestamp: timestamp, payload: payload)
    }

    /// Fixed-size bodies; bytes after the known fields are ignored, as for the other fixed frames.
    static func decodeCall(_ type: FrameType, _ r: inout ByteReader) throws(WireError) -> CallSignal {
        let id = try r.readUInt64()
        switch type {
        case .callInvite: return .invite(id, offer: try CallParams.read(from: &r))
        case .callRinging: return .ringing(id)
        case .callAccept: return .accept(id, chosen: try CallParams.read(from: &r))
        case .callDecline: return .decline(id)
        case .callBusy: return .busy(id)
        case .callCancel: return .cancel(id)
        case .callHangup: return .hangup(id, reason: HangupReason(wireValue: try r.readUInt8()))
        case .callReport:
            let report = CallReport(
                framesReceived: try r.readUInt32(), framesLost: try r.readUInt32(), framesLate: try r.readUInt32(),
                jitterMicroseconds: try r.readUInt32(), bufferDepthMilliseconds: try r.readUInt16())
            return .report(id, report)
        default: throw .malformed(what: "call frame type")
        }
    }
}

extension Frame {
    /// Bytes to reserve when encoding: enough for every frame but long texts.
    var encodedCapacityHint: Int {
        switch self {
        case .voice(let packet): return 2 + VoicePacket.headerLength + packet.payload.count
        case .file(.chunk(_, _, _, let bytes)): return 18 + bytes.count
        case .file(.hashes(_, _, let hashes)): return 14 + 32 * hashes.count
        case .file(.offer(let offer)): return 52 + offer.name.utf8.count
        case .roomKey: return 2 + RoomKey.encodedBytes
        default: return 32
        }
    }
}
