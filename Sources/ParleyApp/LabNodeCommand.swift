import ArgumentParser
import Foundation
import Lab
import Wire

/// `parley lab-node`: one peer of `parley compare`, driven by JSON lines (see `LabProtocol` in Lab).
/// Internal: hidden from `parley --help`, documented in the man page as such.
struct LabNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab-node",
        abstract: "Internal: one peer of 'parley compare', driven by JSON lines on standard input.",
        discussion: """
            Started by 'parley compare'; not meant to be run by hand. It makes a fresh identity \
            that is never stored, reads one JSON command per line on standard input and answers \
            with one JSON event per line on standard output. It exits when told to stop or when \
            standard input ends.
            """,
        shouldDisplay: false)

    @Option(
        name: .long, help: ArgumentHelp("Nickname of the node's throwaway identity (default: lab).", valueName: "nick"))
    var name: String?

    func validate() throws {
        if let name, !Nickname.isValid(name) { throw ValidationError("--name: '\(name)' is not a valid nickname") }
    }

    func run() async throws {
        try await LabNode.serveStandardIO(nickname: name ?? "lab")
    }
}
