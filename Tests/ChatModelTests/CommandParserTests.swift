import Foundation
import Testing

@testable import ChatModel

@Suite struct CommandParserTests {
    private func parse(_ line: String) -> UserCommand? { try? CommandParser.parse(line).get() }

    private func error(_ line: String) -> CommandError? {
        if case .failure(let error) = CommandParser.parse(line) { return error }
        return nil
    }

    @Test func everyCommandParses() {
        #expect(parse("hello there") == .text("hello there"))
        #expect(parse("//etc/hosts is a file") == .text("/etc/hosts is a file"))
        #expect(parse("/msg bob see you at  noon") == .msg(nickname: "bob", text: "see you at  noon"))
        #expect(parse("/msg bob") == .msg(nickname: "bob", text: nil))
        #expect(parse("/peers") == .peers)
        #expect(parse("/call") == .call(nickname: nil))
        #expect(parse("/call alice") == .call(nickname: "alice"))
        #expect(parse("/answer") == .answer)
        #expect(parse("/decline") == .decline)
        #expect(parse("/hangup") == .hangup)
        #expect(parse("/mute") == .mute(nil))
        #expect(parse("/mute on") == .mute(true))
        #expect(parse("/mute OFF") == .mute(false))
        #expect(parse("/verify") == .verify(nickname: nil, action: .show))
        #expect(parse("/verify carol") == .verify(nickname: "carol", action: .show))
        #expect(parse("/verify carol accept") == .verify(nickname: "carol", action: .accept))
        #expect(parse("/verify carol Confirm") == .verify(nickname: "carol", action: .confirm))
        #expect(parse("/verify carol reset") == .verify(nickname: "carol", action: .reset))
        #expect(parse("/ignore") == .ignore(nil))
        #expect(parse("/ignore mallory") == .ignore("mallory"))
        #expect(parse("/unignore mallory") == .unignore("mallory"))
        #expect(parse("/nick Zoë B") == .nick("Zoë B"))
        #expect(parse("/relay") == .relay(.show))
        #expect(parse("/relay off") == .relay(.off))
        #expect(parse("/relay relay.example:7777") == .relay(.connect("relay.example:7777")))
        #expect(parse("/relay lan") == .relay(.lan))
        #expect(parse("/relay LAN") == .relay(.lan))
        #expect(parse("/relay lan:7777") == .relay(.connect("lan:7777")))
        #expect(parse("/path") == .path(nickname: nil, choice: nil))
        #expect(parse("/path relay") == .path(nickname: nil, choice: .relay))
        #expect(parse("/path bob direct") == .path(nickname: "bob", choice: .direct))
        #expect(parse("/path bob") == .path(nickname: "bob", choice: nil))
        #expect(parse("/history") == .history(search: nil))
        #expect(parse("/history the  plan ") == .history(search: "the  plan"))
        #expect(parse("/clear") == .clear)
        #expect(parse("/help") == .help(topic: nil))
        #expect(parse("/help /call") == .help(topic: "call"))
        #expect(parse("/help WIN") == .help(topic: "win"))
        #expect(parse("/quit") == .quit)
        #expect(parse("/win 3") == .win(3))
        #expect(parse("/file bob ~/My Talk.mp4") == .file(nickname: "bob", path: "~/My Talk.mp4"))
        #expect(parse("/accept") == .accept(nil))
        #expect(parse("/accept 3") == .accept(3))
        #expect(parse("/reject 2") == .reject(2))
        #expect(parse("/files") == .files)
        #expect(parse("/cancel") == .cancelTransfer(nil))
        #expect(parse("/cancel 4") == .cancelTransfer(4))
        #expect(error("/cancel 0") == .invalidArgument(command: "cancel", value: "0", expected: "a transfer number"))
        #expect(parse("/WIN 12") == .win(12))
        #expect(parse("/query bob see you") == .msg(nickname: "bob", text: "see you"))
        #expect(parse("/query bob") == .msg(nickname: "bob", text: nil))
        #expect(parse("/me waves at  bob ") == .me("waves at  bob"))
        #expect(parse("/close") == .close(nil))
        #expect(parse("/close 3") == .close(3))
        #expect(parse("/set") == .set(.list))
        #expect(parse("/set bell") == .set(.show("bell")))
        #expect(parse("/set log-dir ~/My Logs ") == .set(.change("log-dir", "~/My Logs")))
        #expect(parse("/set -clear bell") == .set(.clear("bell")))
        #expect(error("/set -clear") == .missingArgument(command: "set", argument: "KEY"))
    }

    @Test func anActionTravelsAsTextAndIsShownAsOne() {
        #expect(ActionText.text(of: "waves") == "/me waves")
        #expect(ActionText.action(in: "/me waves") == "waves")
        #expect(ActionText.action(in: "/meh") == nil)
        #expect(ActionText.action(in: "waves /me ") == nil)
        let at = Date(timeIntervalSince1970: 0)
        #expect(LineOutput.messageLine(from: "bob", text: "/me waves\nand bows", at: at).hasSuffix("] * bob waves\n           and bows"))
        #expect(LineOutput.messageLine(from: "bob", text: "/mean", at: at).hasSuffix("] <bob> /mean"))
        var message = ChatMessage(id: "1", timestamp: at, senderID: "b", senderNickname: "bob", text: "/me waves")
        #expect(message.action == "waves")
        message.kind = .notice
        #expect(message.action == nil, "a notice is never an action")
    }

    @Test func everyCommandInTheIssueHasHelp() {
        let required = [
            "msg", "peers", "call", "answer", "decline", "hangup", "mute", "verify", "ignore", "unignore", "nick",
            "relay", "path", "history", "clear", "help", "quit", "win", "file", "accept", "reject", "files", "cancel",
            "query", "me", "close", "set", "away", "back",
        ]
        #expect(Set(UserCommand.names) == Set(required))
        for name in required {
            let help = CommandHelp.entry(name)
            #expect(help?.usage.hasPrefix("/" + name) == true)
            #expect((help?.details.count ?? 0) > 20)
        }
        #expect(CommandHelp.overview.count == required.count + 1)
    }

    @Test func errorsSayWhatIsWrongAndHowToWriteIt() {
        #expect(error("/win x") == .invalidArgument(command: "win", value: "x", expected: "a window number"))
        #expect(error("/win x")?.description == "/win: \"x\" is not a window number; usage: /win N")
        #expect(error("/win 0") == .invalidArgument(command: "win", value: "0", expected: "a window number"))
        #expect(error("/win \(CommandParser.maximumWindow)") == nil)
        #expect(error("/win \(CommandParser.maximumWindow + 1)") != nil)
        #expect(error("/win") == .missingArgument(command: "win", argument: "N"))
        #expect(error("/win")?.description == "/win needs N; usage: /win N")
        #expect(error("/frobnicate now") == .unknownCommand("frobnicate"))
        #expect(error("/frobnicate")?.description == "unknown command /frobnicate; /help lists the commands")
        #expect(error("/") == .unknownCommand(""))
        #expect(error("/msg") == .missingArgument(command: "msg", argument: "NICK"))
        #expect(error("/query") == .missingArgument(command: "query", argument: "NICK"))
        #expect(error("/me  ") == .missingArgument(command: "me", argument: "ACTION"))
        #expect(error("/close x") == .invalidArgument(command: "close", value: "x", expected: "a window number"))
        #expect(error("/close 0") == .invalidArgument(command: "close", value: "0", expected: "a window number"))
        #expect(error("/close 2 3") == .unexpectedArgument(command: "close", value: "3"))
        #expect(error("/nick   ") == .missingArgument(command: "nick", argument: "NAME"))
        #expect(error("/hangup now") == .unexpectedArgument(command: "hangup", value: "now"))
        #expect(error("/mute loud") == .invalidArgument(command: "mute", value: "loud", expected: "on or off"))
        #expect(
            error("/verify bob yes") == .invalidArgument(command: "verify", value: "yes", expected: "confirm, reset or accept"))
        #expect(error("/unignore") == .missingArgument(command: "unignore", argument: "NICK"))
        #expect(
            error("/verify bob show") == .invalidArgument(command: "verify", value: "show", expected: "confirm, reset or accept"))
        #expect(error("/path bob sideways") != nil)
        #expect(error("/help nosuch") == .unknownHelpTopic("nosuch"))
        #expect(error("/help nosuch")?.description.contains("/help lists the commands") == true)
    }

    @Test func severalLinesAreAMessageNeverCommands() {
        #expect(parse("hello\n/quit\n/nick eve") == .text("hello\n/quit\n/nick eve"))
        #expect(parse("//etc\n/x") == .text("/etc\n/x"))
        #expect(parse("/msg bob first\n/second") == .msg(nickname: "bob", text: "first\n/second"))
        #expect(parse("/msg bob\nonly\nlines") == .msg(nickname: "bob", text: "only\nlines"))
        #expect(error("/nick eve\nmore") == .multiLineCommand("nick"))
        #expect(error("/quit\nbye") == .multiLineCommand("quit"))
        #expect(error("/QUIT\nbye")?.description.hasPrefix("/quit takes one line: not sent") == true)
        #expect(error("/nosuch\nx") == .unknownCommand("nosuch"))
        #expect(
            LineOutput.messageLine(from: "bob", text: "one\n/two", at: .init(timeIntervalSince1970: 0))
                .hasSuffix("<bob> one\n           /two"))
    }
}

@Suite("Away commands")
struct AwayCommandTests {
    @Test func awayTakesTheRestOfTheLineAndBackNothing() throws {
        #expect(try CommandParser.parse("/away").get() == .away(""))
        #expect(try CommandParser.parse("/away at lunch, back at 2").get() == .away("at lunch, back at 2"))
        #expect(try CommandParser.parse("/back").get() == .back)
        #expect(throws: CommandError.self) { try CommandParser.parse("/back now").get() }
    }
}
