import Wire

/// How the sender's encoder follows the link, from what the peer reports once a second
/// (docs/VOICE.md, "Adapting to the link"). Opus spends bits on in-band FEC only when it is on
/// and the loss hint is above zero; on a clean link both stay off, so every bit goes to the
/// speech (PESQ-WB 3.93 against 3.50 with a standing 10 % hint, measured by
/// Benchmarks/voice-link.sh).
///
/// - Each report interval's loss, lost / (received + lost), raises the estimate at once; a
///   cleaner interval eases it off by a fifth per report.
/// - The hint is the estimate in whole percent, at least the user's floor (`--loss-percent`,
///   0 by default); an estimate under half a percent counts as none.
/// - In-band FEC is on while the hint is above zero, when the call negotiated FEC.
/// - Counters that go backwards (another call's report) or an interval without frames say
///   nothing.
struct CodecAdaptation: Sendable, Equatable {
    /// What the encoder is set to.
    struct Settings: Sendable, Equatable {
        var lossPercent: Int
        var fec: Bool
    }

    /// A fifth off per clean report: from 10 % to under half a percent in 14 s.
    static let easing = 0.8
    static let noneBelow = 0.005

    let floor: Int
    let fecAllowed: Bool
    private var estimate = 0.0
    private var previous: CallReport?

    init(floor: Int, fecAllowed: Bool) {
        self.floor = min(max(floor, 0), 100)
        self.fecAllowed = fecAllowed
    }

    var settings: Settings {
        let measured = estimate < Self.noneBelow ? 0 : Int((estimate * 100 - 1e-9).rounded(.up))
        let percent = min(100, max(floor, measured))
        return Settings(lossPercent: percent, fec: fecAllowed && percent > 0)
    }

    /// Takes the peer's next report; returns the settings that follow.
    mutating func update(with report: CallReport) -> Settings {
        defer { previous = report }
        guard let previous, report.framesReceived >= previous.framesReceived,
            report.framesLost >= previous.framesLost
        else { return settings }
        let received = Double(report.framesReceived - previous.framesReceived)
        let lost = Double(report.framesLost - previous.framesLost)
        guard received + lost > 0 else { return settings }
        estimate = max(lost / (received + lost), estimate * Self.easing)
        return settings
    }
}
