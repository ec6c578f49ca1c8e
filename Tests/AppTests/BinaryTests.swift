import Foundation
import RunSupport
import Testing

@testable import ParleyApp

/// The built `parley` executable, checked against what the man page says it prints and exits with.
@Suite struct BinaryTests {
    static func parley() throws -> URL {
        try #require(
            Programs.parley(), "no built parley executable next to the tests or in .build/debug; run swift build")
    }

    @Test func versionLineAndUsageStatusAreAsDocumented() async throws {
        let parley = try Self.parley()
        let version = try await Programs.run(parley, ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("parley \(Parley.version) (protocol "), "\(version.stdout)")
        #expect(version.stdout.contains("libopus "), "\(version.stdout)")

        let page = try ManPage.load()
        let documented = try #require(page.section("EXIT STATUS")).entries
        let usage = try #require(documented.first { $0.body.hasPrefix("Usage error") }, "no usage-error status")
        for bad in [["chat", "--keepalive", "0"], ["no-such-command"], ["send", "--to", "nowhere", "text"]] {
            let run = try await Programs.run(parley, bad)
            #expect("\(run.status)" == usage.tag, "parley \(bad) exited \(run.status); the man page says \(usage.tag)")
            #expect(run.stderr.hasPrefix("Error: "), "parley \(bad): \(run.stderr)")
        }
    }

    /// A listening chat, a `send` and a connecting chat on loopback: every line either chat
    /// prints matches a format in OUTPUT (a `/me` action included), and `send`'s line the one in
    /// its subsection.
    @Test(.timeLimit(.minutes(1)))
    func chatAndSendPrintOnlyDocumentedLines() async throws {
        let parley = try Self.parley()
        let page = try ManPage.load()
        let formats = try #require(page.section("OUTPUT")).entries.map(\.lineTemplate)
        let sendPart = try #require(page.subsection("parley send"))
        let sendFormat = try #require(
            sendPart.lines.first { Roff.plain($0).hasPrefix("delivered to ") }, "no send output line documented")
        let sendTemplate = ManPage.Entry.template(Roff.runs(of: sendFormat))

        let base = FileManager.default.temporaryDirectory.appendingPathComponent("parley-man-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_HOME"] = nil

        // Alice listens on a port the kernel picks.
        let listener = ChildProcess()
        listener.executableURL = parley
        let logs = base.appendingPathComponent("logs").path
        listener.arguments = [
            "chat", "--home", base.appendingPathComponent("alice").path, "--listen", "127.0.0.1:0", "--log-dir", logs,
        ]
        environment["USER"] = "alice"
        listener.environment = environment
        let listenerInput = Pipe()
        let listenerOutput = LineCollector()
        let listenerErrors = LineCollector()
        listener.standardInput = listenerInput
        listener.standardOutput = listenerOutput.pipe
        listener.standardError = listenerErrors.pipe
        try listener.run()
        listenerOutput.start()
        listenerErrors.start()
        defer { listener.kill() }

        let listening = try #require(
            try await listenerOutput.waitForLine { $0.hasPrefix("* listening on 127.0.0.1:") },
            "no '* listening on' line: \(listenerOutput.text) \(listenerErrors.text)")
        let address = String(listening.dropFirst("* listening on ".count))

        // Bob sends one message, then chats.
        environment["USER"] = "bob"
        let bobHome = base.appendingPathComponent("bob").path
        let sent = try await Programs.run(
            parley, ["send", "--home", bobHome, "--to", address, "hello from send"], environment: environment)
        #expect(sent.status == 0, "send exited \(sent.status): \(sent.stderr)")
        #expect(sent.stderr.isEmpty)
        let sentLines = sent.stdout.split(separator: "\n").map(String.init)
        #expect(sentLines.count == 1)
        for line in sentLines {
            #expect(line.range(of: sendTemplate, options: .regularExpression) != nil, "send printed '\(line)'")
        }

        let chat = try await Programs.run(
            parley, ["chat", "--home", bobHome, "--connect", address], environment: environment,
            stdin: "hello from chat\n/peers\n/nonsense\n//slashed\n/me waves\n")
        #expect(chat.status == 0, "chat exited \(chat.status): \(chat.stderr)")
        #expect(chat.stderr.isEmpty)
        #expect(chat.stdout.contains("* #2 delivered to alice ("), "\(chat.stdout)")

        _ = try await listenerOutput.waitForLine { $0.hasSuffix("] * bob waves") }
        listener.terminate()  // SIGTERM: the man page says it closes sessions and exits
        try await Programs.waitForExit(listener, timeout: 20)
        try listenerInput.fileHandleForWriting.close()
        #expect(listener.terminationStatus == 0)
        let listenerText = await listenerOutput.finished()
        #expect(await listenerErrors.finished().isEmpty)
        #expect(listenerText.contains("<bob> hello from send"), "\(listenerText)")
        #expect(listenerText.contains("<bob> /slashed"), "\(listenerText)")
        #expect(listenerText.contains("] * bob waves"), "/me: \(listenerText)")
        // --log-dir: the room's lines in lan.log, bob's direct message in his own file.
        let room = (try? String(contentsOfFile: logs + "/lan.log", encoding: .utf8)) ?? ""
        #expect(room.hasPrefix("--- Log opened "), "\(room)")
        #expect(room.contains("> <bob> hello from chat\n") == false && room.contains(" <bob> hello from chat\n"), "\(room)")
        #expect(room.contains("  * bob waves\n"), "\(room)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []
        let bobFile = files.first { $0.hasPrefix("bob-") && $0.hasSuffix(".log") }
        let direct = bobFile.flatMap { try? String(contentsOfFile: logs + "/" + $0, encoding: .utf8) } ?? ""
        #expect(direct.contains(" <bob> hello from send\n"), "\(files) \(direct)")

        for line in (listenerText + "\n" + chat.stdout).split(separator: "\n").map(String.init) {
            #expect(
                formats.contains { line.range(of: $0, options: .regularExpression) != nil },
                "chat printed a line no OUTPUT format describes: '\(line)'")
        }
    }
}
