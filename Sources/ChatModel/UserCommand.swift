/// What the user asked for, typed: the app executes these (the screen handles `/win`, `/close`,
/// `/clear`, `/help` and `/quit` itself and still reports them).
public enum UserCommand: Equatable, Sendable {
    /// A line that is not a command: a message to the conversation on screen.
    case text(String)
    /// `/msg NICK [TEXT]` (or `/query`): open the conversation with NICK, and send TEXT there
    /// if given.
    case msg(nickname: String, text: String?)
    /// `/me ACTION`: an action in the conversation on screen, shown as `* nick ACTION`; it travels
    /// as the text `/me ACTION` (`ActionText`).
    case me(String)
    /// `/peers`: list the peers with their fingerprints, paths and round-trip times.
    case peers
    /// `/call [NICK]`: call NICK, or the peer of the conversation on screen.
    case call(nickname: String?)
    case answer
    case decline
    case hangup
    /// `/mute [on|off]`: nil toggles.
    case mute(Bool?)
    /// `/verify [NICK] [confirm|reset|accept]`: show the safety number to compare; `confirm`
    /// marks the peer verified once the numbers matched, `reset` takes the mark back, `accept`
    /// accepts the new key a known peer presented.
    case verify(nickname: String?, action: VerifyAction)
    /// `/ignore [NICK|FINGERPRINT]`: list the ignored peers, or ignore one (its sessions refused,
    /// its announcements hidden, kept across restarts).
    case ignore(String?)
    /// `/unignore NICK|FINGERPRINT`.
    case unignore(String)
    /// `/file NICK PATH…`: offer files or directories to NICK; `path` is the rest of the line
    /// (`FilePaths.split` makes the paths of it).
    case file(nickname: String, path: String)
    /// `/accept [N]`: take file offer N (the latest when none is given).
    case accept(Int?)
    /// `/reject [N]`: refuse file offer N (the latest when none is given).
    case reject(Int?)
    /// `/files`: the transfers running (numbered) and the offers waiting.
    case files
    /// `/cancel [N]`: stop transfer N (the latest when none is given); it stays resumable.
    case cancelTransfer(Int?)
    /// `/away [MESSAGE]`: tell every connected peer we are away (with MESSAGE, possibly empty),
    /// and every peer that connects while we are.
    case away(String)
    /// `/back`: online again.
    case back
    /// `/nick NAME`: change our nickname.
    case nick(String)
    case relay(RelayRequest)
    /// `/path [NICK] [direct|relay|auto]`: show or choose how a peer is reached.
    case path(nickname: String?, choice: PathChoice?)
    /// `/history [TEXT]`: older messages of this conversation, or a search for TEXT.
    case history(search: String?)
    case clear
    case help(topic: String?)
    case quit
    /// `/win N`: show window N.
    case win(Int)
    /// `/close [N]`: close window N, or the one on screen (not #lan); the history stays.
    case close(Int?)
    /// `/set [KEY [VALUE]]`, `/set -clear KEY`: the settings of config.toml.
    case set(SetRequest)

    public enum SetRequest: Equatable, Sendable {
        /// `/set`: every setting in the file.
        case list
        /// `/set KEY`: one setting.
        case show(String)
        /// `/set KEY VALUE`.
        case change(String, String)
        /// `/set -clear KEY`: back to the default.
        case clear(String)
    }

    public enum RelayRequest: Equatable, Sendable {
        case show
        case off
        case connect(String)
        /// `/relay lan`: use a relay announced on the local network.
        case lan
    }

    public enum PathChoice: String, Equatable, Sendable, CaseIterable {
        case direct, relay, auto
    }

    /// Every command name, without the slash, in the order `/help` lists them.
    public static let names = CommandHelp.all.map(\.name)
}

/// Why a line could not be parsed; `description` is the text shown to the user.
public enum CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownCommand(String)
    case missingArgument(command: String, argument: String)
    case invalidArgument(command: String, value: String, expected: String)
    case unexpectedArgument(command: String, value: String)
    case unknownHelpTopic(String)
    /// A command other than `/msg` on the first of several lines.
    case multiLineCommand(String)

    public var description: String {
        switch self {
        case .unknownCommand(let name):
            return "unknown command /\(name); /help lists the commands"
        case .missingArgument(let command, let argument):
            return "/\(command) needs \(argument); usage: \(CommandHelp.usage(of: command))"
        case .invalidArgument(let command, let value, let expected):
            return "/\(command): \"\(value)\" is not \(expected); usage: \(CommandHelp.usage(of: command))"
        case .unexpectedArgument(let command, let value):
            return "/\(command): unexpected \"\(value)\"; usage: \(CommandHelp.usage(of: command))"
        case .multiLineCommand(let command):
            return "/\(command) takes one line: not sent (a message of several lines is text; "
                + "begin it with // to start it with a slash)"
        case .unknownHelpTopic(let topic):
            return "no help for \"\(topic)\": there is no such command; /help lists the commands"
        }
    }
}

/// What `/verify` does besides showing the safety number.
public enum VerifyAction: String, Sendable, Equatable, CaseIterable {
    /// Show the number and ask the user to compare it.
    case show
    /// The numbers matched: mark the peer verified.
    case confirm
    /// Take the verified mark back.
    case reset
    /// Accept the new key a known nickname presented after a refusal.
    case accept
}
