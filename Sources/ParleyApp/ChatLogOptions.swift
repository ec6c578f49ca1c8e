import ArgumentParser
import ChatClient
import Foundation
import RunSupport

/// `parley chat --log-dir DIR`: plain-text logs of every conversation beside the history.
struct ChatLogOptions: ParsableArguments {
    @Option(
        name: .customLong("log-dir"),
        help: ArgumentHelp(
            "Also write every conversation as plain text to a file in this directory, irssi-style (lan.log, NICK-ABCDE.log); the history database stays the record.",
            valueName: "dir"))
    var logDirectory: String?

    /// `display`, writing the messages it shows to the logs when --log-dir is given; exit status
    /// 1 with the reason when the directory cannot be made or written.
    func wrap(_ display: any ChatDisplay) throws -> any ChatDisplay {
        guard let logDirectory else { return display }
        do {
            let log = try ConversationLog(directory: NSString(string: logDirectory).expandingTildeInPath)
            return LoggingDisplay(display, log: log)
        } catch {
            throw Failure(message: "\(error)", code: .failure)
        }
    }
}
