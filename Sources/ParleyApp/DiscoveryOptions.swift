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
