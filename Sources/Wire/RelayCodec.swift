/// Encodes and decodes `RelayMessage`s. Pure; every length is checked against `RelayLimits`.
public enum RelayCodec {
    /// Circuit IDs a client picks are below this; the relay picks IDs from it up.
    public static let relayCircuitBase: UInt32 = 0x8000_0000

    public static func encode(_ message: RelayMessage) -> [UInt8] {
        var capacity = 48
        if case .data(_, let payload) = message { capacity = payload.count + 6 }
        var w = ByteWriter(capacity: capacity)
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
}
