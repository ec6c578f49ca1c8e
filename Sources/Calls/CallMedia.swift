import Foundation
import Net
import RunSupport
import Session
import Voice
import Wire

/// The media of the active call: encoder and decoder with the negotiated parameters, and the
/// audio devices, recording and tasks feeding them. Owned by the `CallEngine` actor.
final class CallMedia {
    let call: ActiveCall
    let format: PCMFormat
    let sender: VoiceSender
    let receiver: VoiceReceiver
    /// The session the call's frames go out on; a call moving to another session changes it.
    var connection: PeerConnection
    let started: Instant
    var recorder: (any CallRecording)?
    /// The kernel's round trip of a direct session's TCP connection, read once a second.
    var transportRoundTrip: Duration?
    var playback: ALSAPlayback?
    var capture: ALSACapture?
    /// The media's tasks, children of the engine's `run()`.
    var tasks: [OwnedTask] = []
    /// TEST ONLY: drops outgoing frames (see `CallEngineOptions.dropOutgoingVoiceForTestingOnly`).
    var dropperForTestingOnly: FrameDropperForTestingOnly?

    init(call: ActiveCall, config: VoiceConfig, connection: PeerConnection, started: Instant) throws(VoiceError) {
        self.call = call
        format = call.params.pcmFormat
        sender = try VoiceSender(callID: call.callID, config: config)
        receiver = try VoiceReceiver(config: config)
        self.connection = connection
        self.started = started
    }

    /// Stops the tasks and devices and closes the recording; returns a problem with the
    /// recording, if any. `drainingPlayback`: the speaker plays what it was given first.
    func stop(drainingPlayback: Bool = false) -> String? {
        for task in tasks { task.cancel() }
        tasks = []
        capture?.stop()
        playback?.stop(drain: drainingPlayback)
        capture = nil
        playback = nil
        defer { recorder = nil }
        do {
            try recorder?.finish()
        } catch {
            return "recording: \(error)"
        }
        return nil
    }
}

/// TEST ONLY: drops each frame with probability `fraction`, from a seeded SplitMix64 generator
/// (the same seed drops the same frames).
struct FrameDropperForTestingOnly: Sendable {
    let fraction: Double
    private var state: UInt64
    private(set) var dropped = 0

    init(fraction: Double, seed: UInt64) {
        self.fraction = fraction
        state = seed
    }

    mutating func shouldDrop() -> Bool {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let drop = Double(z >> 11) / Double(1 << 53) < fraction
        if drop { dropped += 1 }
        return drop
    }
}
