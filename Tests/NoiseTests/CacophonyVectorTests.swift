import Foundation
import Testing

@testable import Noise

/// One vector from the cacophony file, as stored there.
struct NoiseVector: Decodable, Sendable {
    struct Message: Decodable, Sendable {
        let payload: String
        let ciphertext: String
    }

    let protocolName: String
    let initPrologue: String
    let initEphemeral: String?
    let initStatic: String?
    let initRemoteStatic: String?
    let initPsks: [String]?
    let respPrologue: String
    let respEphemeral: String?
    let respStatic: String?
    let respRemoteStatic: String?
    let respPsks: [String]?
    let handshakeHash: String
    let messages: [Message]

    enum CodingKeys: String, CodingKey {
        case protocolName = "protocol_name"
        case initPrologue = "init_prologue", initEphemeral = "init_ephemeral", initStatic = "init_static"
        case initRemoteStatic = "init_remote_static", initPsks = "init_psks"
        case respPrologue = "resp_prologue", respEphemeral = "resp_ephemeral", respStatic = "resp_static"
        case respRemoteStatic = "resp_remote_static", respPsks = "resp_psks"
        case handshakeHash = "handshake_hash"
        case messages
    }
}

/// A test argument: a vector, or the reason there are none (so the test fails
/// loudly instead of running zero cases).
enum VectorCase: Sendable, CustomTestStringConvertible {
    case vector(NoiseVector)
    case unavailable(String)

    var testDescription: String {
        switch self {
        case .vector(let vector): vector.protocolName
        case .unavailable: "vector file unavailable"
        }
    }
}

enum CacophonyVectors {
    static let expectedCount = 59

    /// <package root>/../shared/vectors/noise/..., the package root being three
    /// levels above this file (Tests/NoiseTests/<file>).
    static let fileURL: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/NoiseTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("../shared/vectors/noise/cacophony-25519-chachapoly-sha256.json")
        .standardizedFileURL

    private struct File: Decodable {
        let vectors: [NoiseVector]
    }

    static func load() throws -> [NoiseVector] {
        let data: Data
        do {
            data = try Data(contentsOf: fileURL)
        } catch {
            throw LoadError(message: "Noise test vectors not found at \(fileURL.path): \(error)")
        }
        return try JSONDecoder().decode(File.self, from: data).vectors
    }

    struct LoadError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static let cases: [VectorCase] = {
        do {
            let vectors = try load()
            return vectors.isEmpty ? [.unavailable("no vectors in \(fileURL.path)")] : vectors.map(VectorCase.vector)
        } catch {
            return [.unavailable("\(error)")]
        }
    }()
}

@Suite("Cacophony test vectors, Noise_*_25519_ChaChaPoly_SHA256")
struct CacophonyVectorTests {
    @Test("the vector file is present and complete")
    func vectorFileIsPresent() throws {
        let vectors = try CacophonyVectors.load()
        #expect(vectors.count == CacophonyVectors.expectedCount)
        #expect(Set(vectors.map(\.protocolName)).count == vectors.count, "protocol names are unique")
    }

    @Test("vector reproduces byte for byte", arguments: CacophonyVectors.cases)
    func vector(_ testCase: VectorCase) throws {
        switch testCase {
        case .unavailable(let reason):
            Issue.record("Cannot run the Noise test vectors: \(reason)")
        case .vector(let vector):
            try run(vector)
        }
    }

    private func run(_ vector: NoiseVector) throws {
        let name = vector.protocolName
        try #require(name.hasPrefix(NoiseSuite.protocolNamePrefix) && name.hasSuffix(NoiseSuite.suffix), "\(name)")
        let patternName = String(name.dropFirst(NoiseSuite.protocolNamePrefix.count).dropLast(NoiseSuite.suffix.count))
        let pattern = try HandshakePattern.named(patternName)
        #expect(NoiseSuite.protocolName(for: pattern) == name)

        var initiator = try HandshakeState.withFixedEphemeralKeysForTestingOnly(
            pattern: pattern,
            initiator: true,
            prologue: [UInt8](hex: vector.initPrologue),
            staticKey: try vector.initStatic.map { try privateKey(hex: $0) },
            remoteStaticKey: try vector.initRemoteStatic.map { try publicKey(hex: $0) },
            presharedKeys: try (vector.initPsks ?? []).map { try [UInt8](hex: $0) },
            ephemeralKeys: try [vector.initEphemeral].compactMap { $0 }.map { try privateKey(hex: $0) }
        )
        var responder = try HandshakeState.withFixedEphemeralKeysForTestingOnly(
            pattern: pattern,
            initiator: false,
            prologue: [UInt8](hex: vector.respPrologue),
            staticKey: try vector.respStatic.map { try privateKey(hex: $0) },
            remoteStaticKey: try vector.respRemoteStatic.map { try publicKey(hex: $0) },
            presharedKeys: try (vector.respPsks ?? []).map { try [UInt8](hex: $0) },
            ephemeralKeys: try [vector.respEphemeral].compactMap { $0 }.map { try privateKey(hex: $0) }
        )

        var transports: (initiator: TransportState, responder: TransportState)? = nil
        for (index, message) in vector.messages.enumerated() {
            let payload = try [UInt8](hex: message.payload)
            let expected = try [UInt8](hex: message.ciphertext)
            let initiatorSends = pattern.isOneWay || index % 2 == 0
            let sent: [UInt8]
            let received: [UInt8]

            if var (initiatorTransport, responderTransport) = transports {
                if initiatorSends {
                    sent = try initiatorTransport.encrypt(payload)
                    received = try responderTransport.decrypt(sent)
                } else {
                    sent = try responderTransport.encrypt(payload)
                    received = try initiatorTransport.decrypt(sent)
                }
                transports = (initiatorTransport, responderTransport)
            } else {
                try #require(initiator.isMyTurnToWrite == initiatorSends, "\(name): message \(index) turn")
                if initiatorSends {
                    sent = try initiator.writeMessage(payload: payload)
                    received = try responder.readMessage(sent)
                } else {
                    sent = try responder.writeMessage(payload: payload)
                    received = try initiator.readMessage(sent)
                }
                #expect(initiator.isComplete == responder.isComplete, "\(name): both sides finish together")
                if initiator.isComplete {
                    #expect(initiator.handshakeHash.hex == vector.handshakeHash, "\(name): initiator handshake hash")
                    #expect(responder.handshakeHash.hex == vector.handshakeHash, "\(name): responder handshake hash")
                    transports = (try initiator.finish(), try responder.finish())
                }
            }
            #expect(sent.hex == expected.hex, "\(name): message \(index) ciphertext")
            #expect(received == payload, "\(name): message \(index) payload")
        }

        let (initiatorTransport, responderTransport) = try #require(transports, "\(name): handshake never completed")
        #expect(initiatorTransport.handshakeHash.hex == vector.handshakeHash, "\(name): initiator final hash")
        #expect(responderTransport.handshakeHash.hex == vector.handshakeHash, "\(name): responder final hash")
        #expect(initiatorTransport.isOneWay == pattern.isOneWay)
    }
}
