import ChatModel
import Foundation
import TUI
import Testing

@testable import ParleyApp

/// config.toml: its keys become `parley chat`'s options, the command line wins, `/set` edits
/// the file in place and keeps what the user wrote, and a broken file is a clear error.
@Suite struct ConfigFileTests {
    let path = "/cfg/config.toml"

    func config(_ text: String) throws -> ConfigFile { try ConfigFile.parse(text, path: path) }

    /// The man page's CONFIGURATION section names every key: each long option of `parley chat`.
    @Test func everyKeyIsInTheManPage() throws {
        let section = try #require(try ManPage.load().section("CONFIGURATION")).text
        let global = try DeclaredCommand.globalArguments()
        let all = try DeclaredCommand.subcommand("chat").ownArguments(excluding: global).flatMap(\.longNames)
            .map { String($0.dropFirst(2)) }
        // The --no- form of an inverted flag (--fec/--no-fec) is the key's false.
        let names = all.filter { name in
            !["config", "no-config"].contains(name) && !(name.hasPrefix("no-") && all.contains(String(name.dropFirst(3))))
        }
        #expect(names.count > 30)
        for name in names { #expect(section.contains(name), "CONFIGURATION does not name \(name)") }
    }

    @Test func keysBecomeTheOptionsTheyName() throws {
        let file = try config(
            """
            # mine
            log-dir = "/var/log/parley"
            bell = false
            plain = false
            fec = true
            bitrate = 32000
            interface = ["eth0", "wlan0"]
            """)
        #expect(
            file.arguments(besides: []) == [
                "--no-bell", "--bitrate", "32000", "--fec", "--interface", "eth0", "--interface", "wlan0", "--log-dir",
                "/var/log/parley",
            ], "keys in order; plain = false is as if absent (there is no --no-plain)")
        let home = NSHomeDirectory()
        #expect(try config("downloads = \"~/in\"").arguments(besides: []) == ["--downloads", home + "/in"])
        #expect(try config("relay-network = \"~root\"").arguments(besides: []) == ["--relay-network", "~root"])
    }

    @Test func colorsBecomeColorOptionsAndBadOnesAreRefused() throws {
        let file = try config("bell = true\n[colors]\nnotice = \"green\"\nmention = \"bold magenta\"\n")
        #expect(file.arguments(besides: []) == ["--bell", "--color", "mention=bold magenta", "--color", "notice=green"])
        #expect(file.arguments(besides: ["--color", "error=red"]) == ["--bell"], "the command line's colours win")
        #expect(throws: ConfigFile.Failure.self) { try config("[colors]\nnotice = 3\n") }
        for bad in ["[colors]\nshouting = \"red\"\n", "[colors]\nnotice = \"purple\"\n"] {
            let file = try config(bad)
            #expect(throws: ConfigFile.Failure.self) { try file.check(file.arguments(besides: []), commandLine: []) }
        }
        let options = try ChatColorOptions.parse(["--color", "mention=underline cyan"])
        #expect(options.theme([:]).mention == .init(foreground: .cyan, underline: true))
    }

    @Test func theCommandLineWinsKeyByKey() throws {
        let file = try config("bell = false\nlog-dir = \"/a\"\ninterface = [\"eth0\"]\nrelay = \"r:1\"\n")
        #expect(file.arguments(besides: ["--bell", "--log-dir=/b", "--interface", "lo"]) == ["--relay", "r:1"])
        #expect(try config("no-bell = true").arguments(besides: ["--bell"]).isEmpty)
    }

    @Test func brokenFilesAreClearErrors() throws {
        #expect(throws: ConfigFile.Failure.self) { try config("bell = = 1") }
        do {
            _ = try config("\n\nbell = = 1")
            Issue.record("a syntax error was taken")
        } catch {
            #expect("\(error)".hasPrefix("/cfg/config.toml, line 3: "), "\(error)")
        }
        #expect(throws: ConfigFile.Failure.self) { try config("config = \"other.toml\"") }
        #expect(throws: ConfigFile.Failure.self) { try config("listen = { port = 1 }") }
        #expect(throws: ConfigFile.Failure.self) { try config("Log_Dir = \"x\"") }
        let unknown = try config("frobnicate = 3")
        #expect(throws: ConfigFile.Failure.self) { try unknown.check(unknown.arguments(besides: []), commandLine: []) }
        let together = try config("path = \"relay\"")
        #expect(throws: ConfigFile.Failure.self) { try together.check(together.arguments(besides: []), commandLine: []) }
        #expect(throws: Never.self) { try together.check(together.arguments(besides: []), commandLine: ["--relay", "r:1"]) }
    }

    @Test func onlyChatReadsTheFileAndNoConfigSkipsIt() {
        let environment = ["XDG_CONFIG_HOME": "/nonexistent-parley-config"]
        #expect(ConfigFile.expand(["send", "--to", "x"], environment: environment) == ["send", "--to", "x"])
        #expect(ConfigFile.expand(["chat", "--no-config"], environment: environment) == ["chat", "--no-config"])
        #expect(ConfigFile.defaultPath(environment) == "/nonexistent-parley-config/parley/config.toml")
        #expect(ConfigFile.defaultPath(["HOME": "/home/u"]) == "/home/u/.config/parley/config.toml")
        #expect(ConfigFile.path(in: ["--config=/x.toml"], environment: environment) == "/x.toml")
    }

    @Test func setEditsOneLineAndKeepsTheRest() {
        let text = "# my settings\nbell = false   # quiet\n\n[colors]\nmention = \"yellow\"\n"
        #expect(
            ConfigEdit.setting("bell", to: "true", in: text)
                == "# my settings\nbell = true\n\n[colors]\nmention = \"yellow\"\n")
        #expect(
            ConfigEdit.setting("log-dir", to: "\"/l\"", in: text)
                == "# my settings\nbell = false   # quiet\nlog-dir = \"/l\"\n\n[colors]\nmention = \"yellow\"\n")
        #expect(ConfigEdit.setting("bell", to: nil, in: text) == "# my settings\n\n[colors]\nmention = \"yellow\"\n")
        #expect(ConfigEdit.setting("bell", to: "false", in: "") == "bell = false\n")
        #expect(ConfigEdit.literal(for: "true") == "true")
        #expect(ConfigEdit.literal(for: "-2.5") == "-2.5")
        #expect(ConfigEdit.literal(for: "a \"b\" \\ c\u{1B}") == "\"a \\\"b\\\" \\\\ c\\u001B\"")
        #expect(ConfigEdit.topLevelLines(of: text) == ["bell = false   # quiet"])
    }

    static func bell(_ updates: [ModelUpdate]) -> Bool? {
        guard updates.count == 1, case .bellOnBackgroundMessage(let on) = updates[0] else { return nil }
        return on
    }

    @Test func setSavesOnlyWhatTheChatAcceptsAndTheBellAppliesAtOnce() async throws {
        let directory = NSTemporaryDirectory() + "parley-config-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/parley/config.toml"
        let settings = ConfigSettings(path: file)
        let quiet = await settings.handle(.change("bell", "false"))
        #expect(quiet.isError == false && Self.bell(quiet.updates) == false, "\(quiet.lines) \(quiet.updates)")
        let refused = await settings.handle(.change("path", "relay"))
        #expect(refused.isError && refused.lines.first?.hasSuffix("nothing saved") == true, "\(refused.lines)")
        let unknown = await settings.handle(.change("bogus", "1"))
        #expect(unknown.isError)
        let logs = await settings.handle(.change("--log-dir", "/tmp/x y"))
        #expect(logs.lines.first?.hasSuffix("applies from the next start") == true && logs.updates.isEmpty)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "bell = false\nlog-dir = \"/tmp/x y\"\n")
        let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int ?? 0) & 0o777
        #expect(mode == 0o600)
        let shown = await settings.handle(.show("log-dir"))
        #expect(shown.lines == ["log-dir = \"/tmp/x y\""])
        let cleared = await settings.handle(.clear("bell"))
        #expect(Self.bell(cleared.updates) == true)
        #expect(await settings.handle(.list).lines == ["settings in \(file):", "log-dir = \"/tmp/x y\""])
        #expect(!FileManager.default.fileExists(atPath: file + ".new"))
    }

    @Test func setEditsATableKeyAndAddsTheTableWhenMissing() {
        let text = "bell = false\n\n[colors]\nmention = \"yellow\"   # mine\n"
        #expect(
            ConfigEdit.setting("mention", to: "\"bold red\"", inTable: "colors", in: text)
                == "bell = false\n\n[colors]\nmention = \"bold red\"\n")
        #expect(
            ConfigEdit.setting("notice", to: "\"green\"", inTable: "colors", in: text)
                == "bell = false\n\n[colors]\nmention = \"yellow\"   # mine\nnotice = \"green\"\n")
        #expect(ConfigEdit.setting("mention", to: nil, inTable: "colors", in: text) == "bell = false\n\n[colors]\n")
        #expect(
            ConfigEdit.setting("error", to: "\"red\"", inTable: "colors", in: "bell = true\n")
                == "bell = true\n\n[colors]\nerror = \"red\"\n")
        #expect(ConfigEdit.setting("error", to: nil, inTable: "colors", in: "bell = true\n") == "bell = true\n")
        #expect(ConfigEdit.tableLines("colors", of: text) == ["colors.mention = \"yellow\"   # mine"])
        // A header written with spaces or a comment is the same table.
        let spaced = "[ colors ]   # mine\nmention = \"yellow\"\n"
        #expect(ConfigEdit.setting("notice", to: "\"red\"", inTable: "colors", in: spaced) == spaced + "notice = \"red\"\n")
        #expect(ConfigEdit.tableLines("colors", of: spaced) == ["colors.mention = \"yellow\""])
        #expect(!ConfigEdit.isHeader("[colors.x]", of: "colors") && !ConfigEdit.isHeader("# [colors]", of: "colors"))
    }

    @Test func screenSettingsApplyAtOnceAndTheRestAtTheNextStart() async throws {
        let directory = NSTemporaryDirectory() + "parley-config-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/parley/config.toml"
        let settings = ConfigSettings(path: file, environment: ["TERM": "foot"])
        func only(_ result: (lines: [String], isError: Bool, updates: [ModelUpdate])) -> ScreenSetting? {
            guard !result.isError, result.updates.count == 1, case .setting(let setting) = result.updates[0] else {
                return nil
            }
            return setting
        }
        #expect(only(await settings.handle(.change("highlight", "deploy"))) == .highlightWords(["deploy"]))
        #expect(only(await settings.handle(.change("no-smart-filter", "true"))) == .smartFilter(false))
        #expect(only(await settings.handle(.change("colors.mention", "bold red"))) == .colors(["mention=bold red"]))
        #expect(only(await settings.handle(.change("colors.notice", "green"))) == .colors(["mention=bold red", "notice=green"]))
        #expect(only(await settings.handle(.change("notify-terminal", "auto"))) == .terminalNotification(.osc777))
        #expect(only(await settings.handle(.change("notify-terminal", "osc9"))) == .terminalNotification(.osc9))
        #expect(only(await settings.handle(.change("notify-send", "false"))) == .desktopNotifications(false))
        #expect(only(await settings.handle(.clear("colors.mention"))) == .colors(["notice=green"]))
        #expect(only(await settings.handle(.clear("highlight"))) == .highlightWords([]))
        let badColour = await settings.handle(.change("colors.mention", "sparkly"))
        #expect(badColour.isError && badColour.updates.isEmpty)
        let badMode = await settings.handle(.change("notify-terminal", "smoke-signals"))
        #expect(badMode.isError)
        let later = await settings.handle(.change("mouse", "true"))
        #expect(later.updates.isEmpty && later.lines.first?.hasSuffix("applies from the next start") == true)
        #expect(await settings.handle(.show("colors.notice")).lines == ["colors.notice = \"green\""])
        let listed = await settings.handle(.list).lines
        #expect(listed.contains("colors.notice = \"green\"") && listed.contains("notify-terminal = \"osc9\""), "\(listed)")
    }

    @Test func aLiveSettingKeepsTheCommandLinesOtherOptions() async throws {
        let directory = NSTemporaryDirectory() + "parley-config-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/parley/config.toml"
        let settings = ConfigSettings(
            path: file, commandLine: ["--color", "notice=green", "--notify-terminal=osc9", "--listen", "127.0.0.1:0"],
            environment: ["TERM": "foot"])
        // The command line's notice colour stays beside the mention colour /set adds.
        let colours = await settings.handle(.change("colors.mention", "bold red"))
        #expect(colours.updates.count == 1)
        if case .setting(.colors(let entries)) = colours.updates.first {
            #expect(entries == ["notice=green", "mention=bold red"], "\(entries)")
        } else {
            Issue.record("\(colours.updates)")
        }
        // The key /set changes gives way to the file; cleared, it is the default, not the
        // command line's.
        let set = await settings.handle(.change("notify-terminal", "bell"))
        guard case .setting(.terminalNotification(let mode)) = set.updates.first else {
            Issue.record("\(set.updates)")
            return
        }
        #expect(mode == .bell)
        #expect(
            ConfigSettings.dropping("no-smart-filter", from: ["--smart-filter", "--highlight", "x", "--no-smart-filter"])
                == ["--highlight", "x"])
        #expect(ConfigSettings.dropping("highlight", from: ["--highlight", "x", "--highlight=y", "--bell"]) == ["--bell"])
        #expect(ConfigSettings.dropping("colors", from: ["--color", "a=red", "--plain"]) == ["--plain"])
        #expect(ConfigSettings.values(of: "color", in: ["--color", "a=red", "--plain", "--color=b=blue"]) == ["a=red", "b=blue"])
    }

    /// A real `parley chat` sets --log-dir with `/set` and quits; the next one, started with the
    /// same command line, reads config.toml and logs its message there; `--no-config` ignores it,
    /// and a broken file stops the chat at start naming the file.
    @Test(.timeLimit(.minutes(1)))
    func aSettingMadeWithSetHoldsAfterARestart() async throws {
        let parley = try #require(Programs.parley())
        let base = NSTemporaryDirectory() + "parley-config-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = base + "/xdg"
        environment["PARLEY_HOME"] = nil
        let arguments = ["chat", "--home", base + "/home", "--listen", "127.0.0.1:0"]
        let first = try await Programs.run(
            parley, arguments, environment: environment, stdin: "/set log-dir \(base)/logs\n/quit\n")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("* log-dir = \"\(base)/logs\" (saved in \(base)/xdg/parley/config.toml)"), "\(first.stdout)")

        let second = try await Programs.run(parley, arguments, environment: environment, stdin: "hello after restart\n/quit\n")
        // Exit status 1: the message waits for a peer that never came (not a config error).
        #expect(second.status == 1 && second.stderr.isEmpty, "\(second.stderr)")
        let log = (try? String(contentsOfFile: base + "/logs/lan.log", encoding: .utf8)) ?? ""
        #expect(log.contains("> hello after restart\n"), "\(log)")

        let ignored = try await Programs.run(
            parley, arguments + ["--no-config"], environment: environment, stdin: "not logged\n/quit\n")
        #expect(ignored.status == 1 && ignored.stderr.isEmpty, "\(ignored.stderr)")
        #expect(!((try? String(contentsOfFile: base + "/logs/lan.log", encoding: .utf8)) ?? "").contains("not logged"))

        try "log-dir = = 1\n".write(toFile: base + "/xdg/parley/config.toml", atomically: true, encoding: .utf8)
        let broken = try await Programs.run(parley, arguments, environment: environment, stdin: "/quit\n")
        #expect(broken.status == 1)
        #expect(broken.stderr.hasPrefix("parley: \(base)/xdg/parley/config.toml, line 1: "), "\(broken.stderr)")
    }
}
