import Wire

/// parley's own jitter buffer: pure, clock injected, one slot per sequence number.
///
/// - Playout starts `initialDepth` after the first packet and then takes one sequence number
///   per tick. A packet whose slot has passed is late and dropped.
/// - A missing packet with later ones already here is a loss: FEC from the next packet when it
///   is here, concealment otherwise. An empty buffer is an underrun: playout conceals and waits
///   for the packet (the delay grows by one frame); after `starveAfter` such ticks it plays silence.
/// - The target depth is the 95th percentile of the packets' relative transit delay over the last
///   `window` packets (their lateness against the earliest one, the jitter to absorb), rounded up
///   to frames, within `minDepth…maxDepth`. When the average depth stays 1.5 frames above it, one
///   packet is dropped (at most every `adjustInterval` ticks) to shrink the delay.
/// - No more than `maxDepth` waits: when more packets are here (a burst after a stall of the
///   link), playout jumps ahead to the target depth behind the newest packet, and the packets it
///   skips are dropped and counted (`capDrops`).
public struct AdaptiveJitterBuffer: JitterBuffer, Sendable {
    public struct Config: Sendable, Equatable {
        public var frameDuration: Duration = .milliseconds(20)
        public var initialDepthFrames = 2
        public var minDepthFrames = 1
        /// 400 ms: one-way delay past it is unacceptable (ITU-T G.114).
        public var maxDepthFrames = 20
        /// Packets further ahead of playout than this are dropped (3 s at 20 ms).
        public var maxAheadFrames = 150
        /// Consecutive out-of-range packets after which playout restarts at the new sequence.
        public var resyncAfter = 10
        public var starveAfter = 5
        public var window = 250
        public var quantile = 0.95
        public var adjustInterval = 25
        public var fec = true
        public init() {}
    }

    public let config: Config
    public private(set) var counters = JitterBufferCounters()
    private var packets: [UInt32: [UInt8]] = [:]
    private var nextSeq: UInt32?
    private var highest: UInt32?
    private var startAt: MediaTime?
    private var baseSeq: UInt32 = 0
    private var transits: [Int64] = []
    private var transitIndex = 0
    private var targetFrames: Int
    private var averageDepth: Double = 0
    private var ticksSinceAdjust = 0
    private var ticksSinceTarget = 0
    private var consecutiveStalls = 0
    private var outOfRangeRun = 0
    private var lastDepthFrames = 0

    public init(config: Config = Config()) {
        self.config = config
        targetFrames = config.initialDepthFrames
        transits.reserveCapacity(config.window)
    }

    public var depth: Duration { config.frameDuration * lastDepthFrames }
    public var targetDepth: Duration { config.frameDuration * targetFrames }

    private var frameNanoseconds: Int64 { config.frameDuration.wholeNanoseconds }

    public mutating func put(_ packet: VoicePacket, arrival: MediaTime) {
        counters.received += 1
        guard let next = nextSeq else { return restart(at: packet, arrival: arrival) }
        let offset = Int32(bitPattern: packet.sequence &- next)
        if offset < 0 {
            counters.late += 1
            return
        }
        if consecutiveStalls > config.starveAfter, offset > 0, packets.isEmpty {
            // The stream stopped (muted, or DTX) and resumes further on: start again there. (Once
            // a packet of the resumed stream is here, the stream has resumed: the next ones join
            // it rather than restart playout and throw it away.)
            return restart(at: packet, arrival: arrival)
        }
        guard offset < config.maxAheadFrames else {
            counters.outOfRange += 1
            outOfRangeRun += 1
            if outOfRangeRun >= config.resyncAfter { restart(at: packet, arrival: arrival) }
            return
        }
        outOfRangeRun = 0
        guard packets[packet.sequence] == nil else {
            counters.duplicates += 1
            return
        }
        store(packet, arrival: arrival)
    }

    public mutating func next(now: MediaTime) -> Playout {
        guard var next = nextSeq, let startAt, now >= startAt else { return .silence }
        var ahead = highest.map { Int(Int32(bitPattern: $0 &- next)) } ?? -1
        updateTarget()
        // The cap is on what waits: a lone packet far ahead (reordered, or a jump) is not audio
        // waiting, a backlog is.
        if ahead > config.maxDepthFrames, packets.count > config.maxDepthFrames, let newest = highest {
            next = jump(from: next, to: newest &- UInt32(targetFrames))
            ahead = targetFrames
        }
        if let payload = packets.removeValue(forKey: next) {
            consecutiveStalls = 0
            ticksSinceAdjust += 1
            averageDepth += (Double(max(ahead, 0)) - averageDepth) * 0.05
            if ticksSinceAdjust >= config.adjustInterval, averageDepth > Double(targetFrames) + 1.5,
                let following = packets.removeValue(forKey: next &+ 1)
            {
                counters.shrinkDrops += 1
                ticksSinceAdjust = 0
                averageDepth -= 1
                return advance(past: next &+ 1, .packet(sequence: next &+ 1, payload: following))
            }
            return advance(past: next, .packet(sequence: next, payload: payload))
        }
        if ahead <= 0 {
            consecutiveStalls += 1
            lastDepthFrames = 0
            guard consecutiveStalls <= config.starveAfter else {
                counters.silentWaits += 1
                return .silence
            }
            counters.stalls += 1
            return .conceal(sequence: nil)
        }
        consecutiveStalls = 0
        counters.missed += 1
        if config.fec, let following = packets[next &+ 1] {
            return advance(past: next, .fec(sequence: next, next: following))
        }
        return advance(past: next, .conceal(sequence: next))
    }

    public mutating func drainNext() -> Playout? {
        guard let next = nextSeq, let newest = highest, Int32(bitPattern: newest &- next) >= 0 else { return nil }
        if let payload = packets.removeValue(forKey: next) {
            return advance(past: next, .packet(sequence: next, payload: payload))
        }
        counters.missed += 1
        if config.fec, let following = packets[next &+ 1] {
            return advance(past: next, .fec(sequence: next, next: following))
        }
        return advance(past: next, .conceal(sequence: next))
    }

    /// Moves playout from `next` to `target` (ahead of it), dropping the packets in between.
    private mutating func jump(from next: UInt32, to target: UInt32) -> UInt32 {
        var sequence = next
        while sequence != target {
            if packets.removeValue(forKey: sequence) != nil { counters.capDrops += 1 }
            sequence &+= 1
        }
        nextSeq = target
        averageDepth = Double(targetFrames)
        return target
    }

    private mutating func advance(past sequence: UInt32, _ playout: Playout) -> Playout {
        nextSeq = sequence &+ 1
        lastDepthFrames = highest.map { max(Int(Int32(bitPattern: $0 &- sequence)), 0) } ?? 0
        return playout
    }

    private mutating func restart(at packet: VoicePacket, arrival: MediaTime) {
        if nextSeq != nil { counters.resyncs += 1 }
        packets.removeAll(keepingCapacity: true)
        nextSeq = packet.sequence
        highest = nil
        baseSeq = packet.sequence
        transits.removeAll(keepingCapacity: true)
        transitIndex = 0
        outOfRangeRun = 0
        consecutiveStalls = 0
        startAt = arrival + config.frameDuration * targetFrames
        store(packet, arrival: arrival)
    }

    private mutating func store(_ packet: VoicePacket, arrival: MediaTime) {
        packets[packet.sequence] = packet.payload
        if let h = highest, Int32(bitPattern: packet.sequence &- h) <= 0 {
        } else {
            highest = packet.sequence
        }
        // Transit against the sender's timeline (one frame per sequence number); only its
        // variation matters, so the unknown clock offset cancels.
        let slot = Int64(Int32(bitPattern: packet.sequence &- baseSeq))
        let transit = Int64(arrival.nanoseconds) - slot * frameNanoseconds
        if transits.count < config.window {
            transits.append(transit)
        } else {
            transits[transitIndex] = transit
            transitIndex = (transitIndex + 1) % config.window
        }
    }

    /// Recomputes the target from the transit window, every 10 ticks.
    private mutating func updateTarget() {
        ticksSinceTarget += 1
        guard ticksSinceTarget >= 10, transits.count >= 10 else { return }
        ticksSinceTarget = 0
        let earliest = transits.min()!
        let sorted = transits.map { $0 - earliest }.sorted()
        let index = min(sorted.count - 1, Int(Double(sorted.count) * config.quantile))
        let jitterFrames = Int((sorted[index] + frameNanoseconds - 1) / frameNanoseconds)
        targetFrames = min(max(jitterFrames, config.minDepthFrames), config.maxDepthFrames)
    }
}
