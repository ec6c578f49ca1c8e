import Foundation
import Identity
import Session

extension LabNode {
    /// `parley lab-node`: a node with a fresh identity named `nickname` (never stored), reading one
    /// JSON command per line on standard input and answering with one JSON event per line on
    /// standard output, until told to stop or until standard input ends.
    public static func serveStandardIO(nickname: String) async throws {
        signal(SIGPIPE, SIG_IGN)
        let output = LineWriter(fd: STDOUT_FILENO)
        let credentials = try SessionCredentials(identity: LocalIdentity.generate(nickname: nickname))
        let node = LabNode(credentials: credentials, config: SessionConfig()) { event in
            output.write(LabLines.encode(event))
        }
        output.write(LabLines.encode(LabEvent.hello(peerID: await node.peerID, version: LabProtocol.version)))
        // The sampler and every command are children of one group: commands run side by side
        // (`counters` must be answered while a run goes on), and none outlives the node.
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    await node.sampleCounts()
                }
            }
            for await line in LineStream.lines(from: STDIN_FILENO) {
                let command: LabCommand
                do throws(LabFailure) {
                    command = try LabLines.decode(LabCommand.self, from: line)
                } catch {
                    output.write(LabLines.encode(LabEvent.error(error)))
                    continue
                }
                if command == .stop { break }
                group.addTask { await node.handle(command) }
            }
            // Closing the sessions ends the commands still waiting on them.
            group.cancelAll()
            await node.closeAll()
        }
        output.write(LabLines.encode(LabEvent.stopped))
    }
}
