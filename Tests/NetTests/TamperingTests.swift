import Identity
import NIOCore
import Session
import Testing
import Wire

@testable import Net

/// Bytes changed on the way: the session must end with a clear reason and deliver nothing.
@Suite("Tampering on the wire")
struct TamperingTests {
    /// Client-to-server messages: 0 and 1 are handshake messages 1 and 3; 2 is the first
    /// transport message (our text).
    static let firstTransportMessage = 2

    @Test func oneFlippedCiphertextBitClosesTheSessionAndDeliversNothing() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let proxy = try await TamperProxy.start(targetPort: server.port) { index, message in
            guard index == Self.firstTransportMessage else { return nil }
            var flipped = message
            flipped[message.count / 2] ^= 0x01
            return LengthPrefix.frame(flipped)
        }
        defer { Task { await proxy.close() } }
        try await within(60) {
            let (alice, _) = try await connect(to: proxy.port)
            let bob = try await server.nextSession()
            _ = try await alice.established()
            // On a loaded machine a keepalive ping can go first and meet the tampering instead;
            // then the session is already closed here, and the checks below hold all the same.
            _ = try? await alice.send("this must never be shown")
            let atBob = await events(of: bob) { $0.isClosed }
            #expect(atBob.compactMap(\.message).isEmpty)
            #expect(atBob.last?.closeReason == .decryptionFailed)
            // The sender learns only that the connection went away (or, on a machine loaded enough
            // to starve it, that the peer stopped answering): never why.
            let atAlice = await alice.closed()
            #expect(atAlice == .connectionLost || atAlice == .peerTimedOut, "\(atAlice)")
        }
    }

    @Test func anOversizedFrameAfterTheHandshakeClosesTheSession() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let proxy = try await TamperProxy.start(targetPort: server.port) { index, _ in
            index == Self.firstTransportMessage ? [0xFF, 0xFF] + [UInt8](repeating: 0, count: 64) : nil
        }
        defer { Task { await proxy.close() } }
        try await within(60) {
            let (alice, _) = try await connect(to: proxy.port)
            let bob = try await server.nextSession()
            _ = try await alice.established()
            // On a loaded machine a keepalive ping can go first and meet the tampering instead;
            // then the session is already closed here, and the checks below hold all the same.
            _ = try? await alice.send("x")
            let atBob = await events(of: bob) { $0.isClosed }
            guard case .protocolViolation = atBob.last?.closeReason else {
                Issue.record("expected a protocol violation, got \(String(describing: atBob.last))")
                return
            }
        }
    }

    @Test func aTamperedHandshakeFails() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        // Message index 1 is handshake message 3, which carries the initiator's identity.
        let proxy = try await TamperProxy.start(targetPort: server.port) { index, message in
            guard index == 1 else { return nil }
            var flipped = message
            flipped[flipped.count - 1] ^= 0x80
            return LengthPrefix.frame(flipped)
        }
        defer { Task { await proxy.close() } }
        try await within(60) {
            _ = try await connect(to: proxy.port)
            let bob = try await server.nextSession()
            let atBob = await events(of: bob) { $0.isClosed }
            #expect(atBob.last?.closeReason == .handshakeFailed)
            #expect(!atBob.contains { if case .established = $0 { true } else { false } })
        }
    }
}
