import Identity
import Noise
import Wire

// Test-only hooks. Internal, so only `@testable import Session` reaches them, and named so that
// any use outside Tests/ stands out in review.

extension SessionMachine {
    /// FOR TESTS ONLY: encrypts `plaintext` exactly as given (no frame encoding, no limit
    /// checks) on an established session and returns it length-prefixed, as `sendFrame` would.
    /// Lets tests put frames on the wire that this build never writes: unknown types and
    /// versions, truncated bodies, oversized plaintexts. Returns [] unless established.
    mutating func sendRawFrameForTestingOnly(_ plaintext: [UInt8]) -> [SessionAction] {
        guard case .established(var e) = state else { return [] }
        let sealed: [UInt8]
        do {
            sealed = try e.transport.encrypt(plaintext)
        } catch {
            return fail(.protocolViolation("cannot encrypt: \(error)"))
        }
        state = .established(e)
        stats.bytesSent += sealed.count + LengthPrefix.headerLength
        return [.send(LengthPrefix.frame(sealed))]
    }
}

extension SessionCredentials {
    /// FOR TESTS ONLY: credentials whose handshake payload is `rawPayloadForTestingOnly` as is,
    /// unsigned and unchecked, to present a bad binding signature or a malformed payload.
    init(identity: LocalIdentity, rawPayloadForTestingOnly payload: [UInt8]) {
        self.init(identity: identity, payloadBytes: payload, nickname: identity.nickname)
    }
}
