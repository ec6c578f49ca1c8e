import ArgumentParser
import Foundation
import RunSupport
import TOMLKit

/// `parley chat`'s settings file, `$XDG_CONFIG_HOME/parley/config.toml` (else
/// `~/.config/parley/config.toml`; `--config FILE` names another, `--no-config` reads none).
/// Its keys are the chat's long options without the dashes, and a value stands for what the
/// option would be given:
///
///     log-dir = "~/irclogs/parley"   # --log-dir ~/irclogs/parley
///     bell = false                   # --no-bell (a flag with a --no- form)
///     plain = true                   # --plain (false: as if absent, since there is no --no-plain)
///     fec = false                    # --no-fec
///     interface = ["eth0", "wlan0"]  # --interface eth0 --interface wlan0
///
///     [colors]                       # --color mention="bold yellow" --color notice=green
///     mention = "bold yellow"
///     notice = "green"
///
/// The file's options come before the command line's, and an option given on the command line
/// replaces the file's for that key, so flags always win. Parsed by TOMLKit.
struct ConfigFile {
    let path: String
    /// Key → the option's arguments, in key order.
    let entries: [(key: String, arguments: [String])]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The file `parley chat` reads when `--config` does not name one.
    static func defaultPath(_ environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/parley/config.toml" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.config/parley/config.toml"
    }

    /// The file at `path`; empty when there is none. Throws, naming the file and the line, for
    /// TOML it cannot parse or a value that cannot be an option's.
    static func load(_ path: String) throws -> ConfigFile {
        guard FileManager.default.fileExists(atPath: path) else { return ConfigFile(path: path, entries: []) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot read \(path): \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws -> ConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Failure(description: "\(path), line \(error.source.begin.line): \(error.description)")
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
        var entries: [(String, [String])] = []
        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            entries.append((key, try arguments(key: key, value: value, path: path)))
        }
        return ConfigFile(path: path, entries: entries)
    }

    private static func arguments(key: String, value: any TOMLValueConvertible, path: String) throws -> [String] {
        guard key.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil else {
            throw Failure(description: "\(path): \"\(key)\" is not a setting (keys are parley chat's long options)")
        }
        guard !["config", "no-config", "help", "version"].contains(key) else {
            throw Failure(description: "\(path): \(key) cannot be set in the file")
        }
        if let flag = value.bool {
            if flag { return ["--" + key] }
            return negatable.contains(key) ? ["--no-" + key] : []
        }
        // [colors]: one --color SLOT=STYLE per entry.
        if key == "colors", let table = value.table {
            return try table.keys.sorted().flatMap { slot -> [String] in
                guard let style = table[slot]?.string else {
                    throw Failure(description: "\(path): colors.\(slot) is not a string such as \"bold yellow\"")
                }
                return ["--color", slot + "=" + style]
            }
        }
        if let array = value.array {
            return try array.flatMap { element -> [String] in
                guard let scalar = scalarText(element) else {
                    throw Failure(description: "\(path): \(key) holds something that is not a string or a number")
                }
                return ["--" + key, scalar]
            }
        }
        guard let scalar = scalarText(value) else {
            throw Failure(description: "\(path): \(key) is a \(value.type), not a string, number, true/false or list")
        }
        return ["--" + key, scalar]
    }

    /// The flags with a `--no-` form (`--bell`/`--no-bell`), read from the chat's help: `false`
    /// gives that form; for the others it is as if the key were absent.
    static let negatable: Set<String> = {
        let help = ChatCommand.helpMessage(columns: 10_000)
        var names: Set<String> = []
        var rest = Substring(help)
        while let range = rest.range(of: "--no-") {
            rest = rest[range.upperBound...]
            names.insert(String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
        }
        return names
    }()

    private static func scalarText(_ value: any TOMLValueConvertible) -> String? {
        if let string = value.string {
            // Only `~/…`: `~name` would be another user's home, and a network name may start with `~`.
            return string.hasPrefix("~/") ? NSHomeDirectory() + string.dropFirst() : string
        }
        if let int = value.int { return String(int) }
        if let double = value.double { return String(double) }
        return nil
    }

    /// The arguments of the file's options that `commandLine` does not give itself.
    func arguments(besides commandLine: [String]) -> [String] {
        let given = Set(
            commandLine.compactMap { token -> String? in
                guard token.hasPrefix("--") else { return nil }
                let name = String(token.dropFirst(2).prefix { $0 != "=" })
                return name.hasPrefix("no-") ? String(name.dropFirst(3)) : name
            })
        return entries.filter { entry in
            let base = entry.key.hasPrefix("no-") ? String(entry.key.dropFirst(3)) : entry.key
            return !given.contains(base == "colors" ? "color" : base)
        }.flatMap(\.arguments)
    }
}

extension ConfigFile {
    /// `parley chat`'s arguments with the config file's options put first; other commands'
    /// unchanged. A broken file ends the process with status 1 and the reason.
    static func expand(_ arguments: [String], environment: [String: String]) -> [String] {
        guard arguments.first == "chat" else { return arguments }
        let rest = Array(arguments.dropFirst())
        guard !rest.contains("--no-config"), !rest.contains("--help"), !rest.contains("-h") else { return arguments }
        do {
            let config = try load(path(in: rest, environment: environment))
            let added = config.arguments(besides: rest)
            try config.check(added, commandLine: rest)
            return ["chat"] + added + rest
        } catch {
            FileHandle.standardError.write(Data("parley: \(error)\n".utf8))
            exit(ExitStatus.failure.rawValue)
        }
    }

    /// Throws, naming the file, when its options are what makes the command line fail to parse
    /// (an unknown key, a bad value, a combination the chat refuses).
    func check(_ added: [String], commandLine: [String]) throws {
        guard !added.isEmpty else { return }
        do {
            _ = try ChatCommand.parse(added + commandLine)
        } catch {
            guard (try? ChatCommand.parse(commandLine)) != nil else { return }  // the command line's own error
            let message = ChatCommand.message(for: error).replacingOccurrences(of: "Error: ", with: "")
            throw Failure(description: "\(path): \(message)")
        }
    }

    /// `--config FILE` (or `--config=FILE`) from the command line, else the default file.
    static func path(in arguments: [String], environment: [String: String]) -> String {
        for (index, token) in arguments.enumerated() {
            if token == "--config", index + 1 < arguments.count { return arguments[index + 1] }
            if token.hasPrefix("--config=") { return String(token.dropFirst("--config=".count)) }
        }
        return defaultPath(environment)
    }
}

/// `--config FILE` and `--no-config`: read before the arguments are parsed (`ConfigFile.expand`);
/// declared here so that they parse, show in the help and are documented.
struct ChatConfigOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "Read settings from this file instead of $XDG_CONFIG_HOME/parley/config.toml (~/.config/parley/config.toml).",
            valueName: "file"))
    var file: String?

    @Flag(name: .customLong("no-config"), help: "Read no settings file.")
    var noConfig = false
}
