import ArgumentParser
import Foundation
import RunSupport
import TestSupport
import Testing

@testable import ParleyApp

/// Where things are in the package this test target belongs to.
enum PackagePaths {
    /// Tests/AppTests/ManPageSupport.swift → the package root, three levels up.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let manPage = root.appendingPathComponent("Man/parley.1")
    static let sources = root.appendingPathComponent("Sources")
}

// MARK: - The command-line interface as declared

/// A command as ArgumentParser itself describes it (the `--experimental-dump-help` model), so the
/// tests compare help and man page with what the code declares, not with a hand-kept list.
struct DeclaredCommand: Decodable {
    struct Name: Decodable {
        let kind: String
        let name: String
    }

    struct Argument: Decodable {
        /// "flag", "option" or "positional".
        let kind: String
        let names: [Name]?
        let valueName: String?
        let defaultValue: String?
        let isOptional: Bool
        let shouldDisplay: Bool
        let abstract: String?

        var isPositional: Bool { kind == "positional" }
        var longNames: [String] { (names ?? []).filter { $0.kind == "long" }.map { "--" + $0.name } }
        var shortNames: [String] { (names ?? []).filter { $0.kind == "short" }.map { "-" + $0.name } }
        /// `--peer-timeout`, or `text` for a positional argument.
        var label: String { longNames.first ?? shortNames.first ?? valueName ?? "?" }
    }

    let commandName: String
    let abstract: String?
    let arguments: [Argument]?
    let subcommands: [DeclaredCommand]?

    private struct ToolInfo: Decodable { let command: DeclaredCommand }

    /// `parley` with its subcommands.
    static func root() throws -> DeclaredCommand {
        try JSONDecoder().decode(ToolInfo.self, from: Data(Parley._dumpHelp().utf8)).command
    }

    /// The commands `Parley` configures (ArgumentParser adds a `help` command of its own); a
    /// command with subcommands of its own stands for each of them ("audio devices").
    static var subcommandNames: [String] { leafPaths(Parley.configuration.subcommands, prefix: "") }

    private static func leafPaths(_ types: [ParsableCommand.Type], prefix: String) -> [String] {
        types.flatMap { type in
            let name = prefix + type._commandName
            let children = type.configuration.subcommands
            return children.isEmpty ? [name] : leafPaths(children, prefix: name + " ")
        }
    }

    /// A command by its path of names, such as "chat" or "audio devices".
    static func subcommand(_ path: String) throws -> DeclaredCommand {
        var command = try root()
        for name in path.split(separator: " ") {
            command = try #require(command.subcommands?.first { $0.commandName == name }, "no subcommand \(path)")
        }
        return command
    }

    static func subcommandType(_ path: String) throws -> ParsableCommand.Type {
        var types = Parley.configuration.subcommands
        var found: ParsableCommand.Type?
        for name in path.split(separator: " ") {
            found = types.first { $0._commandName == name }
            types = try #require(found, "no subcommand \(path)").configuration.subcommands
        }
        return try #require(found, "no subcommand \(path)")
    }

    /// The options every command has because `parley` itself has them: --help, --version.
    static func globalArguments() throws -> [Argument] { try root().arguments ?? [] }

    /// The arguments that belong to this command, without the global ones.
    func ownArguments(excluding global: [Argument]) -> [Argument] {
        let globalNames = Set(global.flatMap(\.longNames))
        return (arguments ?? []).filter { argument in
            argument.isPositional || Set(argument.longNames).isDisjoint(with: globalNames)
        }
    }
}

// MARK: - Reading the man page

/// A run of text in one font.
struct RoffRun: Equatable {
    let text: String
    let italic: Bool
}

/// Just enough roff to read the man page's source: font macros, font escapes, and the usual
/// character escapes.
enum Roff {
    /// The runs a source line produces: a macro line (`.BI "--home " dir`) or a text line.
    static func runs(of line: String) -> [RoffRun] {
        guard line.hasPrefix(".") else { return inline(line, font: "R") }
        let (macro, args) = split(macroLine: line)
        let fonts: [String]
        switch macro {
        case "B": return inline(args.joined(separator: " "), font: "B")
        case "I": return inline(args.joined(separator: " "), font: "I")
        case "BI", "BR", "IB", "IR", "RB", "RI": fonts = macro.map(String.init)
        default: return inline(args.joined(separator: " "), font: "R")
        }
        return args.enumerated().flatMap { index, arg in inline(arg, font: fonts[index % 2]) }
    }

    /// The plain text of a source line.
    static func plain(_ line: String) -> String { runs(of: line).map(\.text).joined() }

    /// The macro name and its arguments (double quotes group words).
    static func split(macroLine: String) -> (String, [String]) {
        var words: [String] = []
        var current = ""
        var quoted = false
        var inWord = false
        for character in macroLine.dropFirst() {
            if character == "\"" {
                quoted.toggle()
                inWord = true
            } else if character == " " && !quoted {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        guard let macro = words.first else { return ("", []) }
        return (macro, Array(words.dropFirst()))
    }

    /// Resolves escapes in `text` set in `font` ("B", "I" or "R").
    static func inline(_ text: String, font: String) -> [RoffRun] {
        var runs: [RoffRun] = []
        var current = ""
        var font = font
        var previous = font
        func flush() {
            if !current.isEmpty { runs.append(RoffRun(text: current, italic: font == "I")) }
            current = ""
        }
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            guard c == "\\", let next = chars.popFirst() else {
                current.append(c)
                continue
            }
            switch next {
            case "f":
                let requested = chars.popFirst().map(String.init) ?? "R"
                flush()
                let newFont = requested == "P" ? previous : requested
                previous = font
                font = newFont
            case "-": current.append("-")
            case "e": current.append("\\")
            case " ", "~": current.append(" ")
            case "&", "%", "c": break
            case "(":
                let name = String(chars.prefix(2))
                chars = chars.dropFirst(2)
                switch name {
                case "lq", "rq": current.append("\"")
                case "aq": current.append("'")
                case "em": current.append("—")
                default: current.append("?")
                }
            default: current.append(next)
            }
        }
        flush()
        return runs
    }
}

/// The man page, split into sections, subsections and tagged paragraphs (`.TP`).
struct ManPage {
    struct Entry {
        /// The source line after `.TP`.
        let tagLine: String
        /// The source lines of the paragraph, up to the next `.TP`, `.PP`, `.SS` or `.SH`.
        let bodyLines: [String]

        var tag: String { Roff.plain(tagLine) }
        var tagRuns: [RoffRun] { Roff.runs(of: tagLine) }
        var body: String { bodyLines.map(Roff.plain).joined(separator: " ") }
        /// The options a tag names: `-h, --help` → ["-h", "--help"].
        var optionNames: [String] {
            tag.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init).filter {
                $0.hasPrefix("-") && $0.count > 1
            }
        }
    }

    struct Part {
        let title: String
        let lines: [String]

        var entries: [Entry] {
            var entries: [Entry] = []
            var index = 0
            while index < lines.count {
                guard lines[index] == ".TP", index + 1 < lines.count else {
                    index += 1
                    continue
                }
                let tagLine = lines[index + 1]
                var end = index + 2
                while end < lines.count, ![".TP", ".PP", ".SS", ".SH"].contains(where: { lines[end].hasPrefix($0) }) {
                    end += 1
                }
                entries.append(Entry(tagLine: tagLine, bodyLines: Array(lines[(index + 2)..<end])))
                index = end
            }
            return entries
        }

        var text: String { lines.filter { !$0.hasPrefix(".\\\"") }.map(Roff.plain).joined(separator: " ") }
    }

    let source: String
    let lines: [String]

    init(source: String) {
        self.source = source
        lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.hasPrefix(".\\\"") }
    }

    static func load() throws -> ManPage {
        ManPage(source: try String(contentsOf: PackagePaths.manPage, encoding: .utf8))
    }

    /// `.SH` titles, in order.
    var sectionTitles: [String] { lines.filter { $0.hasPrefix(".SH ") }.map { Roff.plain($0) } }

    func section(_ title: String) -> Part? { part(macro: ".SH ", title: title, in: lines) }

    func subsection(_ title: String, of sectionTitle: String = "COMMANDS") -> Part? {
        guard let section = section(sectionTitle) else { return nil }
        return part(macro: ".SS ", title: title, in: section.lines)
    }

    func subsectionTitles(of sectionTitle: String) -> [String] {
        (section(sectionTitle)?.lines ?? []).filter { $0.hasPrefix(".SS ") }.map { Roff.plain($0) }
    }

    private func part(macro: String, title: String, in lines: [String]) -> Part? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix(macro) && Roff.plain($0) == title }) else {
            return nil
        }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.hasPrefix(macro) || $0.hasPrefix(".SH ") } ?? lines.endIndex
        return Part(title: title, lines: Array(lines[(start + 1)..<end]))
    }
}

extension ManPage.Entry {
    /// A regular expression for the lines this tag describes: roman and bold text literally,
    /// each italic placeholder as one or more characters.
    var lineTemplate: String { Self.template(tagRuns) }

    static func template(_ runs: [RoffRun]) -> String {
        "^" + runs.map { $0.italic ? "(.+)" : NSRegularExpression.escapedPattern(for: $0.text) }.joined() + "$"
    }
}

// MARK: - Running programs

/// The result of running a program to completion.
struct ProgramRun {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Programs {
    /// The first executable called `name` on `$PATH`.
    static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The `parley` executable built with these tests: next to the test bundle, or in
    /// `.build/debug`.
    static func parley() -> URL? {
        NoUserConfig.applied
        var candidates: [URL] = []
        if let test = Bundle.main.executableURL {
            candidates.append(test.deletingLastPathComponent().appendingPathComponent("parley"))
        }
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("parley"))
        candidates.append(PackagePaths.root.appendingPathComponent(".build/debug/parley"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `executable` to completion with `stdin` as its standard input, capturing both
    /// outputs; kills it and fails after `timeout` seconds.
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdin: String = "",
        timeout: Double = 20
    ) async throws -> ProgramRun {
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = LineCollector()
        let errors = LineCollector()
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = output.pipe
        process.standardError = errors.pipe
        try process.run()
        output.start()
        errors.start()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        try await waitForExit(process, timeout: timeout)
        return ProgramRun(
            status: process.terminationStatus, stdout: await output.finished(), stderr: await errors.finished())
    }

    /// Waits for `process` to exit; kills it and throws after `timeout` seconds.
    static func waitForExit(_ process: ChildProcess, timeout: Double) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.signal(SIGKILL)
                throw TimedOut(what: "\(process.executableURL?.lastPathComponent ?? "?") \(process.arguments ?? [])")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
    }

    struct TimedOut: Error, CustomStringConvertible {
        let what: String
        var description: String { "\(what) did not finish in time" }
    }
}

/// Collects what a child process writes to a pipe, on a thread of its own so that a blocking
/// read never holds the cooperative pool.
final class LineCollector: @unchecked Sendable {
    let pipe = Pipe()
    private let lock = NSLock()
    private var data = Data()
    private var done = false

    func start() {
        let handle = pipe.fileHandleForReading
        Thread {
            while true {
                let chunk = handle.availableData
                self.lock.withLock {
                    if chunk.isEmpty { self.done = true } else { self.data.append(chunk) }
                }
                if chunk.isEmpty { return }
            }
        }.start()
    }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    var lines: [String] { text.split(separator: "\n").map(String.init) }
    var isDone: Bool { lock.withLock { done } }

    /// Waits until some line satisfies `predicate`; nil after `timeout` seconds.
    func waitForLine(timeout: Double = 20, where predicate: (String) -> Bool) async throws -> String? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if let line = lines.first(where: predicate) { return line }
            if isDone { return lines.first(where: predicate) }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Everything written, once the writer has closed the pipe (or 5 s have passed).
    func finished() async -> String {
        let deadline = ContinuousClock.now + .seconds(5)
        while !isDone, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return text
    }
}
