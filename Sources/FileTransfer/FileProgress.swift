import Foundation
import Files
import Wire

/// Where a transfer stands, for progress lines and bars.
public struct FileProgress: Equatable, Sendable {
    public var name: String
    public var size: UInt64
    /// Sent (sending side) or verified (receiving side) so far.
    public var done: UInt64
    public var elapsed: Duration

    public var fraction: Double { size == 0 ? 1 : Double(done) / Double(size) }
    /// Bytes per second so far.
    public var rate: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(done) / seconds : 0
    }
    /// "512 B", "1.2 KB", "200.0 MB": decimal units, as people read file sizes.
    public static func text(bytes count: UInt64) -> String { ByteCount.text(Double(count)) }

    /// Seconds left at the rate so far, nil before there is a rate.
    public var secondsLeft: Double? { rate > 0 ? Double(size - min(size, done)) / rate : nil }
}

/// How a transfer ended.
public enum FileOutcome: Equatable, Sendable {
    /// The receiver verified and kept the file (at `path`, on the receiving side).
    case done(path: String?)
    /// Ended early: by whom and why; `detail` says more for this side's own problems (never sent).
    case ended(FileCancelReason, byPeer: Bool, detail: String?)
}

extension FileOutcome: CustomStringConvertible {
    public var description: String {
        switch self {
        case .done(let path): path.map { "done: \($0)" } ?? "done"
        case .ended(let reason, let byPeer, let detail):
            (byPeer ? "ended by the peer: " : "ended: ") + (detail ?? reason.description)
        }
    }
}
