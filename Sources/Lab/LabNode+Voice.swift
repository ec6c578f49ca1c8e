import Calls
import Foundation
import Identity
import Session
import Voice
import Wire

/// The voice packets a lab node sent and received in its voice run, with their times on the
/// host's real-time clock. Written from the call engine's and the sessions' tasks.
final class LabVoiceRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var active = false
    private var sentFrames: [LabVoiceFrame] = []
    private var arrivedFrames: [LabVoiceFrame] = []

    func start() {
        lock.withLock {
            active = true
            sentFrames = []
            arrivedFrames = []
        }
    }

    func sent(_ packet: VoicePacket) { record(packet, into: \.sentFrames) }
    func arrived(_ packet: VoicePacket) { record(packet, into: \.arrivedFrames) }

    /// Stops recording; returns what was sent and what arrived.
    func finish() -> (sent: [LabVoiceFrame], arrived: [LabVoiceFrame]) {
        lock.withLock {
            active = false
            return (sentFrames, arrivedFrames)
        }
    }

    private func record(_ packet: VoicePacket, into list: ReferenceWritableKeyPath<LabVoiceRecorder, [LabVoiceFrame]>) {
        let now = LabMessage.realtimeNanos()
        lock.withLock {
            guard active else { return }
            self[keyPath: list].append(LabVoiceFrame(callID: packet.callID, sequence: packet.sequence, nanos: now))
        }
    }
}

extension LabNode {
    /// Runs this node's part of the voice workload: answers any call, places the planned one,
    /// streams the sample, and reports once the call has ended (or the time is up).
    func runVoice(_ plan: LabVoicePlan) async -> LabVoiceReport {
        let recorder = voiceFrames
        recorder.start()
        var options = CallEngineOptions()
        options.input = .file(plan.audioPath, repeating: true)
        options.autoAnswer = .answer
        options.packetSent = { recorder.sent($0) }
        let engine = CallEngine(options: options)
        // The engine's timers and media, until its shutdown below.
        async let engineRunning: Void = engine.run()
        voiceEngine = engine
        for (_, link) in sessions() where link.open {
            if let info = link.peerInfo { await engine.attach(link.session.peerConnection, peer: info) }
        }
        let limit = Duration.milliseconds(Int64((plan.duration + plan.slack) * 1000))
        var problem: String?
        var stats: CallStats?
        let isCaller = plan.callPeer != nil
        // The watchdog and the caller's hangup timer are children of this group, which ends
        // (cancelling whichever is still asleep) once the call has ended or failed.
        await withTaskGroup(of: Void.self) { timers in
            timers.addTask {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled { await engine.shutdown() }
            }
            if let target = plan.callPeer {
                // The callee's engine starts when its own command arrives: give it a moment.
                try? await Task.sleep(for: .milliseconds(500))
                if let info = sessions().first(where: { $0.peerID == target })?.link.peerInfo {
                    do throws(CallEngineError) {
                        try await engine.place(to: info.peerID)
                    } catch {
                        problem = "cannot call \(target): \(error)"
                    }
                } else {
                    problem = "no session with \(target)"
                }
            }
            if problem == nil {
                loop: for await event in engine.events {
                    switch event {
                    case .call(.active):
                        guard isCaller else { continue }
                        timers.addTask {
                            try? await Task.sleep(for: .milliseconds(Int64(plan.duration * 1000)))
                            if !Task.isCancelled { try? await engine.hangup() }
                        }
                    case .ended(let summary):
                        if summary.wasActive {
                            stats = summary.stats
                        } else {
                            problem = "call ended: \(summary.reason.code)"
                        }
                        break loop
                    default:
                        continue
                    }
                }
                if stats == nil, problem == nil { problem = "the call did not end within \(limit)" }
            }
            timers.cancelAll()
        }
        await engine.shutdown()
        await engineRunning
        voiceEngine = nil
        let frames = recorder.finish()
        await sampleCounts()
        return LabVoiceReport(sent: frames.sent, arrived: frames.arrived, stats: stats, problem: problem)
    }
}
