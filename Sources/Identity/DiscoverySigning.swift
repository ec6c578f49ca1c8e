import Crypto
import Wire

extension LocalIdentity {
    /// The datagram for `packet`, signed with this identity's key. The packet's peer ID must be
    /// this identity's, or receivers will reject the signature.
    public func signedDatagram(_ packet: DiscoveryPacket) throws -> [UInt8] {
        precondition(packet.peerID == peerID.bytes, "a discovery packet is signed by the peer it names")
        let body = packet.encodeBody()
        let signature = try signingKey.signature(for: DiscoveryPacket.signedMessage(body: body))
        return body + Array(signature)
    }
}

public enum DiscoverySignature {
    /// True when the signature verifies under the peer ID the packet names. A packet naming
    /// someone else's peer ID cannot carry a valid signature without that peer's secret key.
    public static func isValid(_ received: ReceivedDiscoveryPacket) -> Bool {
        Ed25519Verify.isValid(
            signature: received.signature, message: received.signedMessage, publicKey: received.packet.peerID)
    }
}
