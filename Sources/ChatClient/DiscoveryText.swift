import Foundation
import Net
import Session

extension DiscoveryDeparture {
    /// The word shown in `* gone:` and `- ` lines.
    var word: String { rawValue }
}

extension Duration {
    /// "0.4 s", "12 s", "3 min": how long ago something was seen.
    public var agoText: String {
        let s = seconds
        if s < 10 { return String(format: "%.1f s", max(0, s)) }
        if s < 120 { return "\(Int(s)) s" }
        return "\(Int(s / 60)) min"
    }
}
