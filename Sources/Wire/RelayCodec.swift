/// Encodes and decodes `RelayMessage`s. Pure; every length is checked against `RelayLimits`.
public enum RelayCodec {
    /// Circuit IDs a client picks are below this; the relay picks IDs from it up.
    public static let relayCircuitBase: UInt32 = 0x8000_0000

    public static func encode(_ message: RelayMessage) -> [UInt8] {
        encode(message, headroom: 0, tailroom: 0)
    }

    /// What a relay message adds on the link around its plaintext: the length prefix (2) and
    /// the authentication tag (16).
    public static let linkOverhead = 2 + 16

    /// The length of `encode(message)`, without encoding it: what the relay charges a message
    /// it decoded (plus `linkOverhead`), whatever its type.
    public static func encodedCount(_ message: RelayMessage) -> Int {
        let body: Int
        switch message {
        case .register(let network): body = 1 + network.count
        case .list, .stored, .registered, .watch: body = 0
        case .open: body = 4 + 32
        case .data(_, let payload): body = 4 + payload.count
        case .close: body = 4
        case .ping, .pong, .mailAck: body = 8
        case .lookup: body = 32
        case .store(_, let sealed): body = 32 + sealed.count
        case .identity(_, _, let payload): body = 64 + payload.count
        case .mail(_, let sealed): body = 8 + sealed.count
        case .post(let sealed): body = sealed.count
        case .roomPost(_, let sealed): body = 32 + sealed.count
        case .peers(let entries): body = 2 + entries.reduce(0) { $0 + 33 + $1.nickname.utf8.count }
        case .incoming(_, _, let nickname): body = 4 + 32 + 1 + nickname.utf8.count
        case .presence(let changes): body = 2 + changes.reduce(0) { $0 + 34 + $1.peer.nickname.utf8.count }
        case .error: body = 5
        }
        return 2 + body
    }

    /// `encode` after `headroom` zero bytes, with capacity for `tailroom` more bytes after the
    /// message: room for a length prefix and an authentication tag, so that the message is
    /// encrypted and framed where it is.
    public static func encode(_ message: RelayMessage, headroom: Int, tailroom: Int) -> [UInt8] {
        var capacity = 48
        if case .data(_, let payload) = message { capacity = payload.count + 6 }
        var w = ByteWriter(capacity: headroom + capacity + tailroom)
        for _ in 0..<headroom { w.write(UInt8(0)) }
        w.write(RelayMessage.formatVersion)
        switch message {
        case .register(let network):
            precondition(network.count <= RelayLimits.maxNetworkBytes)
            w.write(RelayMessageType.register.rawValue)
            w.write(UInt8(network.count))
            w.write(network)
        case .list:
            w.write(RelayMessageType.list.rawValue)
        case .open(let circuit, let peer):
            precondition(peer.count == 32)
            w.write(RelayMessageType.open.rawValue)
            w.write(circuit)
            w.write(peer)
        case .data(let circuit, let payload):
            precondition(payload.count <= RelayLimits.maxDataPayload)
            w.write(RelayMessageType.data.rawValue)
            w.write(circuit)
            w.write(payload)
        case .close(let circuit):
            w.write(RelayMessageType.close.rawValue)
            w.write(circuit)
        case .ping(let token):
            w.write(RelayMessageType.ping.rawValue)
            w.write(token)
        case .pong(let token):
            w.write(RelayMessageType.pong.rawValue)
            w.write(token)
        case .lookup(let peer):
            precondition(peer.count == 32)
            w.write(RelayMessageType.lookup.rawValue)
            w.write(peer)
        case .store(let peer, let sealed):
            precondition(peer.count == 32 && sealed.count <= RelayLimits.maxSealedMessage)
            w.write(RelayMessageType.store.rawValue)
            w.write(peer)
            w.write(sealed)
        case .mailAck(let id):
            w.write(RelayMessageType.mailAck.rawValue)
            w.write(id)
        case .watch:
            w.write(RelayMessageType.watch.rawValue)
        case .post(let sealed):
            precondition(sealed.count <= RelayLimits.maxPostBytes)
            w.write(RelayMessageType.post.rawValue)
            w.write(sealed)
        case .roomPost(let peer, let sealed):
            precondition(peer.count == 32 && sealed.count <= RelayLimits.maxPostBytes)
            w.write(RelayMessageType.roomPost.rawValue)
            w.write(peer)
            w.write(sealed)
        case .presence(let changes):
            precondition(changes.count <= RelayLimits.maxPresenceChanges)
            w.write(RelayMessageType.presence.rawValue)
            w.write(UInt16(changes.count))
            for change in changes {
                precondition(change.peer.peerID.count == 32 && Nickname.isValid(change.peer.nickname))
                w.write(UInt8(change.online ? 1 : 0))
                w.write(change.peer.peerID)
                w.write(UInt8(change.peer.nickname.utf8.count))
                w.write(change.peer.nickname.utf8)
            }
        case .identity(let peer, let staticKey, let payload):
            precondition(peer.count == 32 && staticKey.count == 32 && payload.count <= Limits.maxHandshakePayload)
            w.write(RelayMessageType.identity.rawValue)
            w.write(peer)
            w.write(staticKey)
            w.write(payload)
        case .stored:
            w.write(RelayMessageType.stored.rawValue)
        case .mail(let id, let sealed):
            precondition(sealed.count <= RelayLimits.maxSealedMessage)
            w.write(RelayMessageType.mail.rawValue)
            w.write(id)
            w.write(sealed)
        case .registered:
            w.write(RelayMessageType.registered.rawValue)
        case .peers(let entries):
            precondition(entries.count <= RelayLimits.maxListedPeers)
            w.write(RelayMessageType.peers.rawValue)
            w.write(UInt16(entries.count))
            for entry in entries {
                precondition(entry.peerID.count == 32 && Nickname.isValid(entry.nickname))
                w.write(entry.peerID)
                w.write(UInt8(entry.nickname.utf8.count))
                w.write(entry.nickname.utf8)
            }
        case .incoming(let circuit, let peer, let nickname):
            precondition(peer.count == 32 && Nickname.isValid(nickname))
            w.write(RelayMessageType.incoming.rawValue)
            w.write(circuit)
            w.write(peer)
            w.write(UInt8(nickname.utf8.count))
            w.write(nickname.utf8)
        case .error(let code, let circuit):
            w.write(RelayMessageType.error.rawValue)
            w.write(code.rawValue)
            w.write(circuit)
        }
        return w.bytes
    }

    /// Decodes one message. An unknown version or type comes back as nil (skipped, never
    /// fatal); a known type with a short or invalid body throws.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> RelayMessage? {
        guard bytes.count <= RelayLimits.maxMessagePlaintext else {
            throw .oversized(length: bytes.count, limit: RelayLimits.maxMessagePlaintext)
        }
        var r = ByteReader(bytes, what: "relay message")
        let version = try r.readUInt8()
        let typeByte = try r.readUInt8()
        guard version == RelayMessage.formatVersion, let type = RelayMessageType(rawValue: typeByte) else {
            return nil
        }
        switch type {
        case .register:
            let length = Int(try r.readUInt8())
            guard length <= RelayLimits.maxNetworkBytes else {
                throw .oversized(length: length, limit: RelayLimits.maxNetworkBytes)
            }
            return .register(network: try r.readBytes(length))
        case .list:
            return .list
        case .open:
            return .open(circuit: try r.readUInt32(), peer: try r.readBytes(32))
        case .data:
            return .data(circuit: try r.readUInt32(), payload: r.readRest())
        case .close:
            return .close(circuit: try r.readUInt32())
        case .ping:
            return .ping(token: try r.readUInt64())
        case .pong:
            return .pong(token: try r.readUInt64())
        case .lookup:
            return .lookup(peer: try r.readBytes(32))
        case .store:
            let peer = try r.readBytes(32)
            return .store(peer: peer, sealed: try readSealed(&r))
        case .mailAck:
            return .mailAck(id: try r.readUInt64())
        case .watch:
            return .watch
        case .post:
            return .post(sealed: try readPost(&r))
        case .roomPost:
            let peer = try r.readBytes(32)
            return .roomPost(peer: peer, sealed: try readPost(&r))
        case .presence:
            return .presence(try readPresence(&r))
        case .identity:
            let peer = try r.readBytes(32)
            let staticKey = try r.readBytes(32)
            let payload = r.readRest()
            guard payload.count <= Limits.maxHandshakePayload else {
                throw .oversized(length: payload.count, limit: Limits.maxHandshakePayload)
            }
            return .identity(peer: peer, staticKey: staticKey, payload: payload)
        case .stored:
            return .stored
        case .mail:
            let id = try r.readUInt64()
            return .mail(id: id, sealed: try readSealed(&r))
        case .registered:
            return .registered
        case .peers:
            let count = Int(try r.readUInt16())
            guard count <= RelayLimits.maxListedPeers else {
                throw .oversized(length: count, limit: RelayLimits.maxListedPeers)
            }
            var entries: [RelayPeerEntry] = []
            for _ in 0..<count {
                let id = try r.readBytes(32)
                entries.append(RelayPeerEntry(peerID: id, nickname: try readNickname(&r)))
            }
            return .peers(entries)
        case .incoming:
            let circuit = try r.readUInt32()
            let peer = try r.readBytes(32)
            return .incoming(circuit: circuit, peer: peer, nickname: try readNickname(&r))
        case .error:
            let code = RelayErrorCode(wireValue: try r.readUInt8())
            return .error(code: code, circuit: try r.readUInt32())
        }
    }

    /// `decode`, taking the bytes: a data message, the one a relay forwards most, keeps them as
    /// its payload (its 6-byte header moved out) instead of copying them.
    public static func decode(taking bytes: consuming [UInt8]) throws(WireError) -> RelayMessage? {
        guard bytes.count >= 6, bytes.count <= RelayLimits.maxMessagePlaintext,
            bytes[0] == RelayMessage.formatVersion, bytes[1] == RelayMessageType.data.rawValue
        else { return try decode(bytes) }
        let circuit = UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5])
        bytes.removeFirst(6)
        return .data(circuit: circuit, payload: bytes)
    }

    private static func readSealed(_ r: inout ByteReader) throws(WireError) -> [UInt8] {
        let sealed = r.readRest()
        guard sealed.count <= RelayLimits.maxSealedMessage else {
            throw .oversized(length: sealed.count, limit: RelayLimits.maxSealedMessage)
        }
        return sealed
    }

    private static func readPost(_ r: inout ByteReader) throws(WireError) -> [UInt8] {
        let sealed = r.readRest()
        guard sealed.count <= RelayLimits.maxPostBytes else {
            throw .oversized(length: sealed.count, limit: RelayLimits.maxPostBytes)
        }
        return sealed
    }

    private static func readPresence(_ r: inout ByteReader) throws(WireError) -> [RelayPresenceChange] {
        let count = Int(try r.readUInt16())
        guard count <= RelayLimits.maxPresenceChanges else {
            throw .oversized(length: count, limit: RelayLimits.maxPresenceChanges)
        }
        var changes: [RelayPresenceChange] = []
        for _ in 0..<count {
            let state = try r.readUInt8()
            guard state <= 1 else { throw .malformed(what: "presence state") }
            let id = try r.readBytes(32)
            let peer = RelayPeerEntry(peerID: id, nickname: try readNickname(&r))
            changes.append(RelayPresenceChange(peer: peer, online: state == 1))
        }
        return changes
    }

    private static func readNickname(_ r: inout ByteReader) throws(WireError) -> String {
        let bytes = try r.readBytes(Int(try r.readUInt8()))
        guard let nick = String(validating: bytes, as: UTF8.self), Nickname.isValid(nick) else {
            throw .malformed(what: "nickname")
        }
        return nick
    }
}

extension ProtocolVersion {
    /// The Noise prologue of the client↔relay link: never the same as a peer session's, so
    /// neither handshake can be replayed as the other.
    public static let relayPrologue = Array("parley-relay/1 Noise_XX_25519_ChaChaPoly_SHA256".utf8)
    /// The prologue of a sealed offline message (one-way Noise X to the recipient's static key).
    public static let offlinePrologue = Array("parley-offline/1 Noise_X_25519_ChaChaPoly_SHA256".utf8)
}
