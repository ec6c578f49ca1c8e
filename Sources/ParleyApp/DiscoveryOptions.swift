import ArgumentParser
import Foundation
import Net
import Session

/// Which interfaces LAN discovery uses; shared by `chat` and `peers`.
struct InterfaceOptions: ParsableArguments {
    @Option(
        name: .customLong("interface"),
        help: ArgumentHelp(
            "Discover only on this network interface (repeatable; default: every interface that is up and multicast-capable).",
            valueName: "name"))
    var interfaces: [String] = []

    var selection: InterfaceSelection { interfaces.isEmpty ? .all : .named(interfaces) }

    func validate() throws {
        for name in interfaces where name.isEmpty || name.contains("/") || name.utf8.count > 15 {
            throw ValidationError("--interface: '\(name)' is not an interface name")
        }
    }
}

extension DiscoveryStartError {
    var failure: Failure { Failure(message: "cannot start discovery: \(description)", code: .failure) }
}

extension DiscoveryDeparture {
    /// The word shown in `* gone:` and `- ` lines.
    var word: String { rawValue }
}

extension Duration {
    /// "0.4 s", "12 s", "3 min": how long ago something was seen.
    var agoText: String {
        let s = seconds
        if s < 10 { return String(format: "%.1f s", max(0, s)) }
        if s < 120 { return "\(Int(s)) s" }
        return "\(Int(s / 60)) min"
    }
}
