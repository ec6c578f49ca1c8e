import Foundation
import Identity
import Net
import Noise
import Session
import Voice
import Wire

struct VoiceBenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum VoiceFixtures {
    static let alice = LocalIdentity.generate(nickname: "alice")
    static let bob = LocalIdentity.generate(nickname: "bob")
    static let aliceCredentials = try! SessionCredentials(identity: alice)
    static let bobCredentials = try! SessionCredentials(identity: bob)

    /// Assets/audio/speech.wav, as 20 ms frames of 48 kHz mono: real speech for the encoder
    /// (silence or a tone would flatter it).
    static let speechFrames: [[Int16]] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Assets/audio/speech.wav").path
        guard let frames = try? AudioFileReader(path: path).readAllFrames(), !frames.isEmpty else {
            fatalError("cannot read \(path)")
        }
        return frames
    }()

    /// The speech frames encoded with the call defaults (24 kbit/s, complexity 8).
    static let speechPackets: [[UInt8]] = {
        let encoder = try! OpusEncoder(config: VoiceConfig())
        return speechFrames.map { try! encoder.encode($0) }
    }()
}

/// Two Noise transport states from an XX handshake between two session machines in memory.
func voiceTransportPair() throws -> (TransportState, TransportState) {
    var initiator = try HandshakeState(
        pattern: .XX, initiator: true, prologue: ProtocolVersion.prologue, staticKey: VoiceFixtures.alice.staticKey)
    var responder = try HandshakeState(
        pattern: .XX, initiator: false, prologue: ProtocolVersion.prologue, staticKey: VoiceFixtures.bob.staticKey)
    _ = try responder.readMessage(try initiator.writeMessage(payload: []))
    _ = try initiator.readMessage(try responder.writeMessage(payload: VoiceFixtures.bobCredentials.payload))
    _ = try responder.readMessage(try initiator.writeMessage(payload: VoiceFixtures.aliceCredentials.payload))
    return (try initiator.finish(), try responder.finish())
}

/// What a benchmark's setup opened, closed by its teardown.
actor VoiceCleanup {
    static let shared = VoiceCleanup()
    private var actions: [@Sendable () async -> Void] = []
    func register(_ action: @escaping @Sendable () async -> Void) { actions.append(action) }
    func run() async {
        let pending = actions.reversed()
        actions = []
        for action in pending { await action() }
    }
}

/// A session over loopback TCP in this process: `sender` is the client side; the server
/// side's events arrive on `received`.
final class VoiceLink: @unchecked Sendable {
    let sender: PeerConnection
    var received: AsyncStream<SessionEvent>.Iterator

    private init(sender: PeerConnection, receiver: PeerConnection) {
        self.sender = sender
        received = receiver.events.makeAsyncIterator()
    }

    static func open() async throws -> VoiceLink {
        let (accepted, arrivals) = AsyncStream.makeStream(of: PeerConnection.self)
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: VoiceFixtures.bobCredentials
        ) { arrivals.yield($0) }
        guard let port = server.localAddress?.port else { throw VoiceBenchmarkFailure("no port") }
        let sender = try await SessionConnector.connect(
            host: "127.0.0.1", port: port, credentials: VoiceFixtures.aliceCredentials)
        var iterator = accepted.makeAsyncIterator()
        guard let receiver = await iterator.next() else { throw VoiceBenchmarkFailure("no session accepted") }
        _ = try await sender.established()
        _ = try await receiver.established()
        await VoiceCleanup.shared.register {
            await sender.close()
            await receiver.close()
            await server.close()
        }
        return VoiceLink(sender: sender, receiver: receiver)
    }

    /// The next voice packet the receiving side reports (other events skipped).
    func nextVoice() async throws -> VoicePacket {
        while let event = await received.next() {
            switch event {
            case .frame(.voice(let packet)): return packet
            case .closed(let reason): throw VoiceBenchmarkFailure("session closed: \(reason)")
            default: continue
            }
        }
        throw VoiceBenchmarkFailure("events ended")
    }
}

func mediaNow() -> MediaTime { MediaTime(nanoseconds: Instant.now().nanoseconds) }
