import ArgumentParser
import Foundation
import Net
import Voice
import Wire

/// The `parley` command. Argument parsing and wiring only; the protocol lives in Session and
/// the sockets in Net.
public struct Parley: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Decentralized, end-to-end encrypted chat for the terminal.",
        discussion: """
            parley gives each user a long-term identity and talks to other parley users over direct \
            TCP sessions encrypted with Noise_XX_25519_ChaChaPoly_SHA256.

            Start with 'parley id' to see your identity, then 'parley chat' on two machines of \
            one network: they find each other, and '/msg NICK TEXT' opens a session. Across \
            networks, run 'parley chat --listen :7000' on one machine and \
            'parley chat --connect HOST:7000' on another.
            """,
        version: "parley \(version) (protocol \(ProtocolVersion.current), \(OpusInfo.versionString))",
        subcommands: [
            IdCommand.self, ChatCommand.self, SendCommand.self, CallCommand.self, PeersCommand.self,
            HistoryCommand.self, AudioCommand.self, RelayCommand.self, CompareCommand.self, LabNodeCommand.self,
        ]
    )

    public init() {}
}

public enum ParleyMain {
    public static func run() async {
        // Every command that listens or dials needs a descriptor per connection: the soft limit
        // goes up to the hard one before anything opens (DescriptorLimit, ListenerLimits).
        DescriptorLimit.raiseSoftLimit()
        // `parley chat` takes the options of its config file first (ConfigFile).
        let environment = ProcessInfo.processInfo.environment
        await Parley.main(ConfigFile.expand(Array(CommandLine.arguments.dropFirst()), environment: environment))
    }
}
