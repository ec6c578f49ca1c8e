import Foundation

/// The help text of every slash command: `/help` lists them, `/help CMD` explains one.
public struct CommandHelp: Equatable, Sendable {
    public let name: String
    public let usage: String
    public let summary: String
    public let details: String

    public static let all: [CommandHelp] = [
        CommandHelp(
            name: "msg", usage: "/msg NICK [TEXT]", summary: "open a conversation with NICK, sending TEXT",
            details:
                "Opens the conversation with NICK as a window. With TEXT, sends it there; a peer who is offline gets it when back online."
        ),
        CommandHelp(
            name: "query", usage: "/query NICK [TEXT]", summary: "the same as /msg",
            details: "Opens the conversation with NICK as a window, sending TEXT there if given, as /msg does."),
        CommandHelp(
            name: "me", usage: "/me ACTION", summary: "say what you are doing: * nick ACTION",
            details:
                "Sends ACTION to the conversation on screen, shown as * nick ACTION on both sides. It travels as the text /me ACTION, so a client without /me shows that."
        ),
        CommandHelp(
            name: "peers", usage: "/peers", summary: "list peers with fingerprint, path and round trip",
            details:
                "Lists every known peer: nickname, fingerprint, verified or not, direct or relayed, round-trip time; "
                + "then the relays announced on the LAN, the one in use marked."),
        CommandHelp(
            name: "call", usage: "/call [NICK]", summary: "call NICK, or the peer on screen",
            details: "Starts a voice call with NICK, or with the peer of the conversation on screen."),
        CommandHelp(
            name: "answer", usage: "/answer", summary: "answer the incoming call",
            details: "Accepts the call that is ringing."),
        CommandHelp(
            name: "decline", usage: "/decline", summary: "decline the incoming call",
            details: "Refuses the call that is ringing; the caller is told it was declined."),
        CommandHelp(
            name: "hangup", usage: "/hangup", summary: "end the call",
            details: "Ends the running call, or stops calling."),
        CommandHelp(
            name: "mute", usage: "/mute [on|off]", summary: "mute or unmute the microphone",
            details: "Without an argument, toggles; the status bar shows MUTED while muted."),
        CommandHelp(
            name: "file", usage: "/file NICK PATH...", summary: "offer files or directories to NICK",
            details:
                "Hashes each file and offers them to NICK over your direct session as one batch (quote paths with spaces, or give one alone); they are sent once NICK accepts, verified piece by piece, and resume from what NICK already verified if you offer them again after an interruption. A directory goes whole, without hidden entries or links."
        ),
        CommandHelp(
            name: "accept", usage: "/accept [N]", summary: "take file offer N (the latest)",
            details:
                "Receives the file of offer N (numbered as offered) into the downloads directory, as NAME.part until every piece is verified, never over another file."
        ),
        CommandHelp(
            name: "files", usage: "/files", summary: "list the file transfers and offers",
            details:
                "One line per transfer running (its number for /cancel, the direction, the file, the peer, how far, the rate and the time left) and per offer waiting (its number for /accept and /reject)."
        ),
        CommandHelp(
            name: "cancel", usage: "/cancel [N]", summary: "stop file transfer N (the latest)",
            details:
                "Stops transfer N as /files numbers it (the latest started when none is given), on both sides; what the receiver verified is kept, so offering the file again resumes it."
        ),
        CommandHelp(
            name: "reject", usage: "/reject [N]", summary: "refuse file offer N (the latest)",
            details: "Refuses the offer; the sender is told it was refused."),
        CommandHelp(
            name: "verify", usage: "/verify [NICK] [confirm|reset|accept]",
            summary: "compare the safety number, then confirm it",
            details:
                "Shows the safety number of NICK (or the peer on screen) to compare with theirs by voice or in person. When the numbers match, /verify NICK confirm marks the peer verified (✓); /verify NICK reset takes the mark back. With accept, accepts the new key a known peer presented after a refusal."
        ),
        CommandHelp(
            name: "ignore", usage: "/ignore [NICK|FINGERPRINT]", summary: "list or ignore peers",
            details:
                "Without an argument, lists the ignored peers. With one, ignores that peer: its sessions are refused, its announcements hidden and its offline messages dropped, also after a restart."
        ),
        CommandHelp(
            name: "unignore", usage: "/unignore NICK|FINGERPRINT", summary: "stop ignoring a peer",
            details: "Takes the peer off the ignore list; its next session is accepted."),
        CommandHelp(
            name: "away", usage: "/away [MESSAGE]", summary: "tell your peers you are away",
            details:
                "Marks you away, with MESSAGE if given (at most 160 bytes), for every connected peer and every peer that connects while you are away: they see you as away and MESSAGE when they write to you. Messages still arrive. /back ends it; so does quitting."
        ),
        CommandHelp(
            name: "back", usage: "/back", summary: "you are online again",
            details: "Ends /away: your peers see you online again."),
        CommandHelp(
            name: "nick", usage: "/nick NAME", summary: "change your nickname",
            details: "Saves NAME as your nickname and tells every connected peer and the LAN at once."),
        CommandHelp(
            name: "relay", usage: "/relay [HOST:PORT|lan|off]", summary: "show, set or turn off the relay",
            details:
                "Without an argument, shows the relay connection. With HOST:PORT, connects to that relay; lan uses a relay announced on the local network (it must prove the identity it announced); off disconnects."
        ),
        CommandHelp(
            name: "path", usage: "/path [NICK] [direct|relay|auto]", summary: "show or choose how a peer is reached",
            details:
                "Shows whether NICK (or the peer on screen) is reached directly or through the relay; direct, relay or auto chooses."
        ),
        CommandHelp(
            name: "history", usage: "/history [TEXT]", summary: "load older messages, or search for TEXT",
            details:
                "Without TEXT, shows older messages of this conversation. With TEXT, lists the messages containing it."),
        CommandHelp(
            name: "clear", usage: "/clear", summary: "clear this window",
            details: "Removes the messages from this window; the history on disk stays."),
        CommandHelp(
            name: "help", usage: "/help [CMD]", summary: "list the commands, or explain CMD",
            details: "Without CMD, lists every command. With CMD, explains it."),
        CommandHelp(
            name: "quit", usage: "/quit", summary: "leave parley",
            details: "Closes every session and exits; queued messages stay in the outbox for next time."),
        CommandHelp(
            name: "win", usage: "/win N", summary: "show window N",
            details:
                "Shows window N: 1 is #lan, then one per peer, as numbered in the peers pane. Alt+1 to Alt+9 do the same."
        ),
        CommandHelp(
            name: "set", usage: "/set [KEY [VALUE]]", summary: "show or change a setting of config.toml",
            details:
                "Without KEY, lists the settings in config.toml; with KEY, shows one; with VALUE, saves it there (keys are parley chat's long options, as bell or log-dir). /set -clear KEY removes it. Colours are colors.SLOT (/set colors.mention bold red). The screen's own settings (bell, highlight, smart-filter, notify-terminal, notify-send, the colours) apply at once, the others from the next start."
        ),
        CommandHelp(
            name: "close", usage: "/close [N]", summary: "close window N, or this one",
            details:
                "Closes window N (or the one on screen) and shows the one before it; #lan stays open. The history stays, and the window opens again with the peer's next message or /msg."
        ),
    ]

    public static func entry(_ name: String) -> CommandHelp? {
        all.first { $0.name == name }
    }

    static func usage(of name: String) -> String {
        entry(name)?.usage ?? "/\(name)"
    }

    /// The lines `/help` shows: every command with its summary.
    public static var overview: [String] {
        let width = all.map { $0.usage.count }.max() ?? 0
        return ["Commands (/help CMD for more; keys: see parley(1) FULL-SCREEN CLIENT):"]
            + all.map { $0.usage.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary }
    }

    /// The lines `/help CMD` shows.
    public var text: [String] { [usage + " — " + summary, details] }
}
