import Wire

/// Voice packets and their arrival times in, one PCM frame per playout tick out, with the
/// call's statistics. Owns the decoder and a jitter buffer. No I/O.
public final class VoiceReceiver {
    public let config: VoiceConfig
    private let decoder: OpusDecoder
    private var buffer: any JitterBuffer
    private var counters = Counters()
    private var jitter = InterarrivalJitter()
    private var firstArrival: MediaTime?
    private var lastArrival: MediaTime?
    private var payloadBytes = 0
    private var peakDepth: Duration = .zero
    private let silence: [Int16]
    private var rateLimit: VoiceRateLimit

    struct Counters {
        var flooded = 0
        var concealed = 0
        var fecRecovered = 0
        var corrupt = 0
        var played = 0
    }

    /// `buffer` defaults to `AdaptiveJitterBuffer` with the config's frame duration and FEC.
    public init(config: VoiceConfig = VoiceConfig(), buffer: (any JitterBuffer)? = nil) throws(VoiceError) {
        do { try config.validate() } catch { throw .config(error) }
        self.config = config
        decoder = try OpusDecoder(config: config)
        var bufferConfig = AdaptiveJitterBuffer.Config()
        bufferConfig.frameDuration = config.frameDuration
        bufferConfig.fec = config.fec
        self.buffer = buffer ?? AdaptiveJitterBuffer(config: bufferConfig)
        silence = [Int16](repeating: 0, count: config.samplesPerFrame * config.channels)
        rateLimit = VoiceRateLimit(frameDuration: config.frameDuration)
    }

    /// Samples (interleaved) of every frame `playout` returns.
    public var samplesPerFrame: Int { silence.count }

    /// Takes one packet; beyond `VoiceFloodLimits`' rate it is dropped and counted (`framesFlooded`).
    public func receive(_ packet: VoicePacket, arrival: MediaTime) {
        guard rateLimit.admit(at: arrival) else {
            counters.flooded += 1
            return
        }
        jitter.update(timestamp: packet.timestamp, arrival: arrival)
        if firstArrival == nil { firstArrival = arrival }
        lastArrival = arrival
        payloadBytes += packet.payload.count
        buffer.put(packet, arrival: arrival)
    }

    /// The next frame to play: always exactly `samplesPerFrame` samples.
    public func playout(now: MediaTime) -> [Int16] {
        counters.played += 1
        let frame = decode(buffer.next(now: now))
        peakDepth = max(peakDepth, buffer.depth)
        return frame
    }

    /// The end of the stream (the call ended): the frames still waiting in the buffer, decoded
    /// in order, at most `maxFrames` (the buffer's cap, 400 ms of 20 ms frames, by default).
    public func drain(maxFrames: Int = AdaptiveJitterBuffer.Config().maxDepthFrames) -> [[Int16]] {
        var frames: [[Int16]] = []
        while frames.count < maxFrames, let next = buffer.drainNext() {
            counters.played += 1
            frames.append(decode(next))
        }
        return frames
    }

    private func decode(_ playout: Playout) -> [Int16] {
        switch playout {
        case .packet(_, let payload):
            do {
                return fit(try decoder.decode(payload))
            } catch {
                counters.corrupt += 1
                counters.concealed += 1
                return fit(decoder.conceal())
            }
        case .fec(_, let next):
            do {
                let pcm = try decoder.decodeFEC(from: next)
                counters.fecRecovered += 1
                return fit(pcm)
            } catch {
                counters.concealed += 1
                return fit(decoder.conceal())
            }
        case .conceal:
            counters.concealed += 1
            return fit(decoder.conceal())
        case .silence:
            return silence
        }
    }

    public var stats: CallStats {
        var s = CallStats()
        let c = buffer.counters
        s.jitterMs = jitter.milliseconds
        s.framesReceived = c.received
        s.framesLate = c.late
        s.framesLost = max(0, c.missed - c.late)
        s.framesConcealed = counters.concealed
        s.framesFECRecovered = counters.fecRecovered
        s.framesCorrupt = counters.corrupt
        s.framesDiscarded = c.outOfRange + c.duplicates
        s.framesPlayed = counters.played
        s.framesDroppedBehind = c.shrinkDrops + c.capDrops
        s.framesSilentWaiting = c.silentWaits
        s.framesFlooded = counters.flooded
        s.bufferDepthMs = buffer.depth.milliseconds
        s.bufferDepthPeakMs = peakDepth.milliseconds
        s.targetDepthMs = buffer.targetDepth.milliseconds
        if let firstArrival, let lastArrival, lastArrival > firstArrival {
            let seconds = Double(lastArrival.nanoseconds - firstArrival.nanoseconds) / 1e9
            s.receiveKbps = Double(payloadBytes * 8) / seconds / 1000
        }
        return s
    }

    /// The jitter buffer's own counters.
    public var bufferCounters: JitterBufferCounters { buffer.counters }

    /// A decoded frame of another length (a peer using other frame sizes) is cut or padded.
    private func fit(_ pcm: [Int16]) -> [Int16] {
        if pcm.count == silence.count { return pcm }
        if pcm.count > silence.count { return Array(pcm.prefix(silence.count)) }
        return pcm + silence.prefix(silence.count - pcm.count)
    }
}

/// RFC 3550 §6.4.1: J += (|D| − J) / 16, D the change in transit time between consecutive
/// arrivals, timestamps on the 48 kHz media clock.
struct InterarrivalJitter {
    private var last: (timestamp: UInt32, arrival: MediaTime)?
    private(set) var seconds: Double = 0

    mutating func update(timestamp: UInt32, arrival: MediaTime) {
        defer { last = (timestamp, arrival) }
        guard let last else { return }
        let sent = Double(Int32(bitPattern: timestamp &- last.timestamp)) / 48_000
        let received = (Double(arrival.nanoseconds) - Double(last.arrival.nanoseconds)) / 1e9
        seconds += (abs(received - sent) - seconds) / 16
    }

    var milliseconds: Double { seconds * 1000 }
}
