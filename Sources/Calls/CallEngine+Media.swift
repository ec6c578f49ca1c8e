import Foundation
import Identity
import Net
import RunSupport
import Session
import Voice
import Wire

extension CallEngine {
    /// The call is up: build the encoder and decoder for the chosen parameters, open the input,
    /// output and recording, and start the capture and playout tasks.
    func startMedia(_ call: ActiveCall) {
        if let media { stopMedia(media.call.callID) }
        guard let connection = peers[call.peer]?.connection else { return }
        // A new call starts from the user's floor: nothing measured yet.
        adaptation = CodecAdaptation(floor: options.voice.packetLossPercent, fecAllowed: call.params.fec)
        let config = options.voice.applying(call.params)
        let media: CallMedia
        do {
            media = try CallMedia(call: call, config: config, connection: connection, started: now())
        } catch {
            emit(.warning("cannot start the codec: \(error)"))
            perform((try? machine.hangup(now: now())) ?? [])
            return
        }
        // The receiver decodes FEC whenever the call negotiated it; the encoder sends it only
        // while the adaptation says so.
        media.sender.encoder.setInbandFEC(adaptation.settings.fec)
        media.sender.encoder.setPacketLossPercent(adaptation.settings.lossPercent)
        callsStarted += 1
        self.media = media
        readTransportRoundTrip(media)
        finished = nil
        if options.dropOutgoingVoiceForTestingOnly > 0 {
            media.dropperForTestingOnly = FrameDropperForTestingOnly(
                fraction: options.dropOutgoingVoiceForTestingOnly, seed: options.dropSeedForTestingOnly)
        }
        openRecording(media)
        let echo = openOutput(media)
        openInput(media, echo: echo)
        startPlayout(media)
    }

    func stopMedia(_ callID: CallID) {
        guard let media, media.call.callID == callID else { return }
        // The end of the call: what waits in the jitter buffer (at most its cap, 400 ms) is
        // played and recorded rather than thrown away; the speaker then plays out its buffer.
        let ending = media.receiver.drain()
        for frame in ending { output(frame, of: media) }
        let stats = statistics(media)
        let recording = media.recorder?.path
        if let problem = media.stop(drainingPlayback: !ending.isEmpty) { emit(.warning(problem)) }
        inputLevel = nil
        finished = Finished(
            callID: callID, stats: stats, duration: now() - media.started, params: media.call.params,
            recording: recording)
        self.media = nil
    }

    /// This side's statistics for the call: the receiver's, the sender's and the round trip.
    func statistics(_ media: CallMedia) -> CallStats {
        var stats = media.receiver.stats
        stats.framesSent = media.sender.framesSent
        stats.sendKbps = media.sender.averageKbps
        stats.framesUnknownCall = unknownCallFrames
        stats.sendLossHintPercent = adaptation.settings.lossPercent
        stats.sendFEC = adaptation.settings.fec
        // Both measures run long, each for its own reason: the session's ping waits behind media
        // queued behind a lost segment (hundreds of ms on a lossy link), and the kernel's TCP
        // round trip includes the receiver's delayed acknowledgements (a few ms, up to 40). The
        // lesser is the closer; a relayed session has only the ping.
        let ping = peers[media.call.peer]?.roundTrip
        let rtt = [ping, media.transportRoundTrip].compactMap { $0 }.min()
        if let rtt { stats.roundTripMs = Double(rtt.nanoseconds) / 1e6 }
        return stats
    }

    public var currentStats: CallStats? { media.map(statistics) }
    /// The encoder's loss hint in percent now.
    public var currentLossHint: Int { adaptation.settings.lossPercent }

    func sendReport(_ callID: CallID, to peer: PeerID) {
        guard let media, media.call.callID == callID else { return }
        readTransportRoundTrip(media)
        let stats = statistics(media)
        media.connection.sendFrameNoWait(.call(.report(callID, stats.report)))
        emit(.stats(stats))
    }

    /// Reads the kernel's round trip of a direct session's connection (off the actor; a
    /// relayed session has none of its own).
    func readTransportRoundTrip(_ media: CallMedia) {
        let connection = media.connection
        guard !connection.isRelayed else {
            media.transportRoundTrip = nil
            return
        }
        let callID = media.call.callID
        tasks.start { [weak self] in
            let rtt = await connection.transportRoundTrip()
            await self?.transportRoundTripRead(rtt, callID: callID, on: connection)
        }
    }

    private func transportRoundTripRead(_ rtt: Duration?, callID: CallID, on connection: PeerConnection) {
        guard let media, media.call.callID == callID, media.connection === connection else { return }
        media.transportRoundTrip = rtt
    }

    func adaptCodec(to report: CallReport) {
        lastPeerReport = report
        let before = adaptation.settings
        let after = adaptation.update(with: report)
        guard after != before, let encoder = media?.sender.encoder else { return }
        encoder.setInbandFEC(after.fec)
        encoder.setPacketLossPercent(after.lossPercent)
    }

    // MARK: The pipeline's steps (called by its tasks)

    /// A frame from the input: encoded and sent unless muted.
    func captured(_ frame: [Int16], callID: CallID) {
        guard let media, media.call.callID == callID else { return }
        inputLevel = muted ? 0 : InputLevel(measuring: frame).fraction()
        guard !muted else { return }
        do {
            guard let packet = try media.sender.send(frame) else { return }
            if media.dropperForTestingOnly?.shouldDrop() == true { return }
            // Before the handoff: the session's event loop may write the frame, and the peer
            // receive it, before this task would get past `sendFrameNoWait`.
            options.packetSent?(packet)
            media.connection.sendFrameNoWait(.voice(packet))
        } catch {
            emit(.warning("encoder: \(error)"))
        }
    }

    func inputEnded(callID: CallID) {
        guard let media, media.call.callID == callID, options.hangupAtEndOfInput else { return }
        perform((try? machine.hangup(now: now())) ?? [])
    }

    /// One playout tick: exactly one frame (decoded, FEC-recovered, concealed or silence) to
    /// the speaker and the recording. False once the call's media has stopped.
    func playoutTick(callID: CallID) -> Bool {
        guard let media, media.call.callID == callID else { return false }
        output(media.receiver.playout(now: now().mediaTime), of: media)
        return true
    }

    /// One frame to the speaker and the recording.
    private func output(_ frame: [Int16], of media: CallMedia) {
        media.playback?.play(frame)
        if let recorder = media.recorder {
            do {
                try recorder.write(frame)
            } catch {
                emit(.warning("recording stopped: \(error)"))
                media.recorder = nil
            }
        }
    }

    // MARK: Opening the ends

    private func openRecording(_ media: CallMedia) {
        guard let path = options.recordPath else { return }
        let numbered = callsStarted <= 1 ? path : Self.numbered(path, callsStarted)
        do {
            media.recorder = try openCallRecording(path: numbered, format: media.format)
        } catch {
            emit(.warning("cannot record: \(error)"))
        }
    }

    /// `call.opus` → `call-2.opus`.
    static func numbered(_ path: String, _ number: Int) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        guard let dot = path[slash...].lastIndex(of: "."), dot > slash else { return "\(path)-\(number)" }
        return "\(path[..<dot])-\(number)\(path[dot...])"
    }

    /// Opens the speaker; returns the echo reference when the microphone is live too.
    private func openOutput(_ media: CallMedia) -> EchoReference? {
        guard let device = options.outputDevice else { return nil }
        var echo: EchoReference?
        if options.echoCancellation, case .device = options.input, media.format.channels == 1 {
            echo = (try? EchoCanceller(format: media.format)).map { EchoReference(canceller: $0, format: media.format) }
        }
        var onWrite: (@Sendable ([Int16]) -> Void)?
        if let echo { onWrite = { echo.played($0) } }
        do {
            media.playback = try ALSAPlayback(
                device: device, format: media.format, configuration: options.alsaConfiguration, onWrite: onWrite)
        } catch {
            emit(.warning("cannot play to \(device): \(error)"))
            return nil
        }
        return echo
    }

    private func openInput(_ media: CallMedia, echo: EchoReference?) {
        let callID = media.call.callID
        switch options.input {
        case .none:
            return
        case .file(let path, let repeating):
            let frames: PacedFrames<ContinuousClock>
            do {
                frames = try AudioFileReader.pacedFrames(path: path, format: media.format, repeating: repeating)
            } catch {
                emit(.warning("cannot read \(path): \(error)"))
                inputEnded(callID: callID)
                return
            }
            media.tasks.append(
                tasks.start { [weak self] in
                    do {
                        for try await frame in frames {
                            guard let self else { return }
                            await self.captured(frame, callID: callID)
                        }
                    } catch {
                        await self?.emit(.warning("reading \(path): \(error)"))
                    }
                    await self?.inputEnded(callID: callID)
                })
        case .device(let device):
            let capture: ALSACapture
            do {
                capture = try ALSACapture(
                    device: device, format: media.format, configuration: options.alsaConfiguration)
            } catch {
                emit(.warning("cannot capture from \(device): \(error)"))
                return
            }
            media.capture = capture
            var processor: SpeechProcessor?
            if media.format.channels == 1, !options.speech.isOff || echo != nil {
                processor = try? SpeechProcessor(
                    format: media.format, options: options.speech, echoCanceller: echo?.canceller)
            }
            let speech = processor
            let silence = media.format.silentFrame
            media.tasks.append(
                tasks.start { [weak self] in
                    for await frame in capture.frames {
                        var frame = echo?.cancel(frame) ?? frame
                        // Voice activity gates the microphone: frames without speech go out
                        // as silence (which DTX, when on, then skips).
                        if let speech, !speech.process(&frame) { frame = silence }
                        guard let self else { return }
                        await self.captured(frame, callID: callID)
                    }
                })
        }
    }

    private func startPlayout(_ media: CallMedia) {
        let callID = media.call.callID
        let frameDuration = media.format.frameDuration
        media.tasks.append(
            tasks.start { [weak self] in
                let clock = ContinuousClock()
                var deadline = clock.now
                while !Task.isCancelled {
                    deadline = deadline.advanced(by: frameDuration)
                    do { try await clock.sleep(until: deadline, tolerance: nil) } catch { return }
                    guard let self, await self.playoutTick(callID: callID) else { return }
                }
            })
    }
}
