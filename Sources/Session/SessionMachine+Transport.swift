import Noise
import Wire

extension SessionMachine {
    /// Sends one text message. The caller chooses the ID (random, or an outbox's stored one when
    /// resending after a restart) and the wall-clock time to stamp it with.
    public mutating func sendText(
        _ text: String, id: MessageID, sentAt: UInt64, now: Instant
    ) throws(SendError) -> [SessionAction] {
        guard isEstablished else {
            if case .closed = state { throw .closed }
            throw .notEstablished
        }
        let length = text.utf8.count
        guard length <= Limits.maxTextBytes else { throw .textTooLong(bytes: length) }
        guard unacknowledged.count + heldTextCount < Limits.maxUnacknowledged else { throw .tooManyUnacknowledged }
        stats.messagesSent += 1
        let frame = Frame.text(id: id, sentAt: sentAt, text: text)
        let bytes = FrameCodec.textFrameLength(utf8Count: length)
        guard heldTextCount == 0, mayPutTextInFlight(bytes: bytes, now: now) else {
            holdText(HeldText(id: id, frame: frame, bytes: bytes))
            return []
        }
        return putTextInFlight(id: id, frame: frame, bytes: bytes, now: now)
    }

    /// Encrypts and frames one frame; a failure to encrypt (nonce exhausted) ends the session.
    mutating func sendFrame(_ frame: Frame) -> [SessionAction] {
        guard case .established(var e) = state else { return [] }
        var framed: [UInt8]
        do {
            framed = try e.transport.encrypt(FrameCodec.encode(frame), headroom: LengthPrefix.headerLength)
        } catch {
            return fail(.protocolViolation("cannot encrypt: \(error)"))
        }
        state = .established(e)
        stats.bytesSent += framed.count
        LengthPrefix.writeHeader(into: &framed)
        return [.send(framed)]
    }

    mutating func receiveTransport(_ message: [UInt8], now: Instant) -> [SessionAction] {
        guard case .established(var e) = state else { return [] }
        let plaintext: [UInt8]
        do {
            plaintext = try e.transport.decrypt(message)
        } catch {
            return fail(.decryptionFailed)
        }
        e.keepalive.received(now: now)
        state = .established(e)

        let decoded: DecodedFrame
        do {
            decoded = try FrameCodec.decode(plaintext)
        } catch {
            stats.malformedFrames += 1
            return fail(.protocolViolation("\(error)"))
        }
        guard case .frame(let frame) = decoded else {
            stats.unknownFramesSkipped += 1
            return []
        }
        return handle(frame, now: now)
    }

    private mutating func handle(_ frame: Frame, now: Instant) -> [SessionAction] {
        guard case .established(var e) = state else { return [] }
        switch frame {
        case .text(let id, let sentAt, let text):
            guard config.acknowledgesOnDelivery else { return receiveDurableText(id: id, sentAt: sentAt, text: text) }
            let isNew = duplicates.insert(id)
            var actions = sendFrame(.ack(id: id))
            if isNew {
                stats.messagesReceived += 1
                actions.insert(.deliver(.message(IncomingMessage(id: id, text: text, sentAt: sentAt))), at: 0)
            } else {
                stats.duplicatesSuppressed += 1
            }
            return actions
        case .ack(let id):
            guard let sent = unacknowledged.removeValue(forKey: id) else {
                stats.unknownAcknowledgements += 1
                return []
            }
            textBytesInFlight -= sent.bytes
            let rtt = now - sent.sentAt
            e.keepalive.roundTrip = rtt
            state = .established(e)
            return [.deliver(.delivered(id, roundTrip: rtt))] + releaseHeldTexts(now: now, all: false)
        case .ping(let token):
            return sendFrame(.pong(token: token))
        case .pong(let token):
            guard let rtt = e.keepalive.pong(token: token, now: now) else { return [] }
            state = .established(e)
            return [.deliver(.roundTrip(rtt))]
        case .bye(let reason):
            return finish(.peerClosed(reason))
        case .nickname(let nickname):
            stats.nicknamesReceived += 1
            guard nickname != e.peer.nickname else { return [] }
            e.peer.nickname = nickname
            state = .established(e)
            return [.deliver(.nicknameChanged(nickname))]
        case .presence, .roomKey, .voice, .call, .file:
            stats.applicationFramesReceived += 1
            return [.deliver(.frame(frame))]
        }
    }
}
