import ArgumentParser
import Foundation
import Identity
import Session
import Wire

/// `parley lab-node`: one peer of `parley compare`, driven by JSON lines (see `LabProtocol`).
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
        signal(SIGPIPE, SIG_IGN)
        let output = LineWriter(fd: STDOUT_FILENO)
        let credentials = try SessionCredentials(identity: LocalIdentity.generate(nickname: name ?? "lab"))
        let node = LabNode(credentials: credentials, config: SessionConfig()) { event in
            output.write(LabLines.encode(event))
        }
        output.write(LabLines.encode(LabEvent.hello(peerID: await node.peerID, version: LabProtocol.version)))
        let sampler = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                await node.sampleCounts()
            }
        }
        for await line in LineStream.lines(from: STDIN_FILENO) {
            let command: LabCommand
            do {
                command = try LabLines.decode(LabCommand.self, from: line)
            } catch {
                output.write(LabLines.encode(LabEvent.error(error)))
                continue
            }
            if command == .stop { break }
            // Commands run side by side: `counters` must be answered while a run goes on.
            Task { await node.handle(command) }
        }
        sampler.cancel()
        await node.closeAll()
        output.write(LabLines.encode(LabEvent.stopped))
    }
}
