import Wire

/// A text sent and not yet acknowledged.
struct InFlightText: Sendable {
    let sentAt: Instant
    /// Its encoded frame's size, counted against `SessionConfig.maxTextBytesInFlight`.
    let bytes: Int
}

/// A text accepted from the user and waiting for room in the text window.
struct HeldText: Sendable {
    let id: MessageID
    let frame: Frame
    let bytes: Int
}

// Application frames (voice, call signalling) and the text window that keeps text from
// holding voice back.
//
// Text and voice share one TCP stream, and bytes already written cannot be reordered (nor can
// Noise messages: their nonces are sequential). So the machine bounds how much text can ever be
// ahead of a voice frame: at most `maxTextBytesInFlight` bytes of text frames are sent and not
// yet acknowledged; further texts wait here, unencrypted, and go out as acknowledgements come
// back. Voice and call frames are never held. The window always admits one text, so a single
// message of any allowed size is never stuck. It applies only while voice flows (a voice frame
// sent in the last `textWindowHold`); once voice stops, the next tick sends every held text, and
// text goes out unpaced as before (a peer that stops reading then meets `maxBufferedOutbound`).
extension SessionMachine {
    /// Sends one application frame (voice or call signalling). Never acknowledged, never
    /// deduplicated, never held behind text. Session frames (text, ack, ping, pong, bye) are
    /// refused: they have their own methods.
    public mutating func sendFrame(_ frame: Frame, now: Instant) throws(SendError) -> [SessionAction] {
        guard isEstablished else {
            if case .closed = state { throw .closed }
            throw .notEstablished
        }
        guard !frame.isSessionFrame else { throw .sessionFrame }
        if case .voice(let packet) = frame {
            let count = packet.payload.count
            guard count >= VoiceLimits.minOpusPayload, count <= VoiceLimits.maxOpusPayload else {
                throw .voicePayloadSize(bytes: count)
            }
        }
        if case .voice = frame { lastVoiceSent = now }
        stats.applicationFramesSent += 1
        return sendFrame(frame)
    }

    /// How long after the last voice frame the text window still applies.
    public static let textWindowHold: Duration = .seconds(1)

    /// True while voice frames are being sent.
    func textWindowApplies(now: Instant) -> Bool {
        guard let lastVoiceSent else { return false }
        return now < lastVoiceSent + Self.textWindowHold
    }

    /// Texts waiting for room in the window.
    public var heldTextCount: Int { heldTexts.count - heldTextsStart }

    func mayPutTextInFlight(bytes: Int, now: Instant) -> Bool {
        !textWindowApplies(now: now) || textBytesInFlight == 0
            || textBytesInFlight + bytes <= config.maxTextBytesInFlight
    }

    mutating func putTextInFlight(id: MessageID, frame: Frame, bytes: Int, now: Instant) -> [SessionAction] {
        if let previous = unacknowledged.updateValue(InFlightText(sentAt: now, bytes: bytes), forKey: id) {
            textBytesInFlight -= previous.bytes  // the same ID sent again: count it once
        }
        textBytesInFlight += bytes
        return sendFrame(frame)
    }

    mutating func holdText(_ text: HeldText) {
        heldTexts.append(text)
        stats.textsHeld += 1
    }

    /// Sends the held texts the window has room for (all of them when `all`, as on close).
    mutating func releaseHeldTexts(now: Instant, all: Bool) -> [SessionAction] {
        var actions: [SessionAction] = []
        while heldTextsStart < heldTexts.count {
            let next = heldTexts[heldTextsStart]
            guard all || mayPutTextInFlight(bytes: next.bytes, now: now) else { break }
            heldTextsStart += 1
            actions += putTextInFlight(id: next.id, frame: next.frame, bytes: next.bytes, now: now)
        }
        if heldTextsStart == heldTexts.count {
            heldTexts.removeAll(keepingCapacity: true)
            heldTextsStart = 0
        } else if heldTextsStart >= 256 && heldTextsStart * 2 >= heldTexts.count {
            heldTexts.removeFirst(heldTextsStart)
            heldTextsStart = 0
        }
        return actions
    }
}

extension FrameCodec {
    /// The encoded size of a text frame whose text has `utf8Count` bytes.
    static func textFrameLength(utf8Count: Int) -> Int { 2 + 8 + 8 + utf8Count }
}
