import ChatClient
import ChatModel
import Foundation
import TUI

/// `/set` over config.toml: lists, shows, changes and clears its top-level keys and the
/// `[colors]` table's (`colors.SLOT`). A change is written only when the whole file still parses
/// and its options are ones `parley chat` accepts together; the file is replaced atomically
/// (mode 600: a relay network name can be an access token), its comments and other lines kept.
/// The screen's own settings (`ConfigSettings.live`) apply at once; the rest from the next start.
actor ConfigSettings: ChatSettings {
    let path: String
    /// `parley chat`'s own arguments: their options keep winning over the file's, except for
    /// the key `/set` just changed.
    let commandLine: [String]
    let environment: [String: String]

    /// The keys whose change the full-screen client applies while it runs.
    static let live: Set<String> = [
        "bell", "no-bell", "highlight", "smart-filter", "no-smart-filter", "color", "colors", "notify-terminal",
        "notify-send", "no-notify-send",
    ]
    static let colorsTable = "colors"

    init(path: String, commandLine: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.path = path
        self.commandLine = commandLine
        self.environment = environment
    }

    func handle(_ request: UserCommand.SetRequest) async -> (lines: [String], isError: Bool, updates: [ModelUpdate]) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        switch request {
        case .list:
            let lines = ConfigEdit.topLevelLines(of: text) + ConfigEdit.tableLines(Self.colorsTable, of: text)
            return (lines.isEmpty ? ["no settings in \(path)"] : ["settings in \(path):"] + lines, false, [])
        case .show(let key):
            let key = Self.bare(key)
            let line: String?
            if let slot = Self.colorSlot(key) {
                line = ConfigEdit.tableLines(Self.colorsTable, of: text).first {
                    ConfigEdit.key(of: $0) == Self.colorsTable + "." + slot
                }
            } else {
                line = ConfigEdit.topLevelLines(of: text).first { ConfigEdit.key(of: $0) == key }
            }
            return ([line ?? "\(key) is not set in \(path): the default applies (parley(1))"], false, [])
        case .change(let key, let value):
            let key = Self.bare(key)
            return save(edit(key, to: ConfigEdit.literal(for: value), in: text), key: key, value: value)
        case .clear(let key):
            let key = Self.bare(key)
            return save(edit(key, to: nil, in: text), key: key, value: nil)
        }
    }

    /// The live options that take a value (the others are flags with a `--no-` form).
    static let valueOptions: Set<String> = ["highlight", "color", "notify-terminal"]

    /// `arguments` without the option `key` names (`colors` is `--color`; `no-bell` is `--bell`):
    /// `--name`, `--no-name`, `--name=value`, and a value option's next argument.
    static func dropping(_ key: String, from arguments: [String]) -> [String] {
        var name = key.hasPrefix("no-") ? String(key.dropFirst(3)) : key
        if name == "colors" { name = "color" }
        var kept: [String] = []
        var skipValue = false
        for argument in arguments {
            if skipValue {
                skipValue = false
                continue
            }
            let option = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if option == "--" + name || option == "--no-" + name {
                skipValue = valueOptions.contains(name) && !argument.contains("=")
                continue
            }
            kept.append(argument)
        }
        return kept
    }

    /// The values `arguments` gives option `name` (`--name VALUE` or `--name=VALUE`), in order.
    static func values(of name: String, in arguments: [String]) -> [String] {
        var found: [String] = []
        for (index, argument) in arguments.enumerated() {
            if argument == "--" + name, index + 1 < arguments.count { found.append(arguments[index + 1]) }
            if argument.hasPrefix("--\(name)=") { found.append(String(argument.dropFirst(name.count + 3))) }
        }
        return found
    }

    private static func bare(_ key: String) -> String {
        String(key.drop { $0 == "-" })
    }

    /// The slot a `colors.SLOT` key names, or nil for another key.
    private static func colorSlot(_ key: String) -> String? {
        key.hasPrefix(colorsTable + ".") ? String(key.dropFirst(colorsTable.count + 1)) : nil
    }

    private func edit(_ key: String, to literal: String?, in text: String) -> String {
        if let slot = Self.colorSlot(key) {
            return ConfigEdit.setting(slot, to: literal, inTable: Self.colorsTable, in: text)
        }
        return ConfigEdit.setting(key, to: literal, in: text)
    }

    private func save(_ text: String, key: String, value: String?) -> (
        lines: [String], isError: Bool, updates: [ModelUpdate]
    ) {
        let config: ConfigFile
        do {
            config = try ConfigFile.parse(text, path: path)
            try config.check(config.arguments(besides: []), commandLine: [])
            try ConfigEdit.write(text, to: path)
        } catch {
            return (["/set: \(error); nothing saved"], true, [])
        }
        let what = value.map { "\(key) = \(ConfigEdit.literal(for: $0))" } ?? "\(key) removed"
        let updates = Self.updates(after: key, in: config, commandLine: commandLine, environment: environment)
        if !updates.isEmpty {
            return (["\(what) (saved in \(path)); applies now"], false, updates)
        }
        return (["\(what) (saved in \(path)); applies from the next start"], false, [])
    }

    /// What the screen applies at once after `key` changed: the setting read back from the
    /// whole file (a cleared key gives its default) with the command line's other options, as at
    /// start; the command line's own value for `key` gives way to the file's. Empty for a key
    /// that waits for a restart.
    static func updates(
        after key: String, in config: ConfigFile, commandLine: [String] = [], environment: [String: String]
    ) -> [ModelUpdate] {
        let base = colorSlot(key) != nil ? "colors" : key
        let others = dropping(base, from: commandLine)
        guard live.contains(base), let chat = try? ChatCommand.parse(config.arguments(besides: others) + others) else {
            return []
        }
        switch base {
        case "bell", "no-bell": return [.bellOnBackgroundMessage(chat.bell)]
        case "highlight": return [.setting(.highlightWords(chat.highlight))]
        case "smart-filter", "no-smart-filter": return [.setting(.smartFilter(chat.smartFilter))]
        case "color", "colors":
            // Slot by slot: the command line's colours, then the file's over them.
            let file = (try? ChatCommand.parse(config.arguments(besides: [])))?.colors.colors ?? []
            return [.setting(.colors(values(of: "color", in: commandLine) + file))]
        case "notify-terminal":
            return [.setting(.terminalNotification((chat.notifyTerminal ?? .auto).resolved(environment: environment)))]
        case "notify-send", "no-notify-send": return [.setting(.desktopNotifications(chat.notifySend))]
        default: return []
        }
    }
}
