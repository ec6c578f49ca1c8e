import ArgumentParser
import Foundation
import Identity
import RunSupport
import Testing

@testable import ParleyApp

/// Man/parley.1 against the command-line interface the code declares.
@Suite struct ManPageTests {
    static let requiredSections = [
        "NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "OUTPUT", "EXIT STATUS", "FILES",
        "ENVIRONMENT", "SECURITY", "EXAMPLES", "SEE ALSO",
    ]

    @Test func titleAndSectionsAreThoseOfAManPage() throws {
        let page = try ManPage.load()
        let th = try #require(page.lines.first { $0.hasPrefix(".TH ") }, "no .TH line")
        let (_, thArgs) = Roff.split(macroLine: th)
        #expect(Array(thArgs.prefix(2)) == ["PARLEY", "1"], "\(th)")
        #expect(thArgs.count > 2 && thArgs[2].range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil)
        #expect(
            thArgs.count > 3 && thArgs[3] == "parley \(Parley.version)", "the .TH line names another version: \(th)")

        let titles = page.sectionTitles
        let positions = Self.requiredSections.map { titles.firstIndex(of: $0) }
        for (section, position) in zip(Self.requiredSections, positions) where position == nil {
            Issue.record("no .SH \(section) section")
        }
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted(), "sections out of order: \(titles)")
        let name = try #require(page.section("NAME")).text
        #expect(name.hasPrefix("parley - "), "NAME should read 'parley - ...': \(name)")
    }

    @Test func everySubcommandHasASubsectionAndASynopsis() throws {
        let page = try ManPage.load()
        let subsections = page.subsectionTitles(of: "COMMANDS")
        let synopsis = try #require(page.section("SYNOPSIS")).lines
        for name in DeclaredCommand.subcommandNames {
            #expect(subsections.contains("parley \(name)"), "no .SS \"parley \(name)\" under COMMANDS: \(subsections)")
            #expect(
                synopsis.contains { Roff.plain($0) == "parley \(name)" }, "SYNOPSIS lacks a line for parley \(name)")
        }
        // And nothing documented that does not ship.
        for title in subsections {
            #expect(
                DeclaredCommand.subcommandNames.map { "parley \($0)" }.contains(title),
                "COMMANDS documents \(title), which parley does not have")
        }
    }

    /// Every option a subcommand declares has its own tagged paragraph in that command's
    /// subsection, stating its default (or that it is required), and every option documented
    /// there exists.
    @Test(arguments: DeclaredCommand.subcommandNames)
    func everyOptionIsDocumentedWithItsDefault(_ name: String) throws {
        let page = try ManPage.load()
        let part = try #require(page.subsection("parley \(name)"), "no subsection for parley \(name)")
        let entries = part.entries
        let synopsis = try #require(page.section("SYNOPSIS")).text
        let global = try DeclaredCommand.globalArguments()
        let arguments = try DeclaredCommand.subcommand(name).ownArguments(excluding: global)
        #expect(!arguments.isEmpty)

        for argument in arguments {
            let entry: ManPage.Entry?
            if argument.isPositional {
                entry = entries.first { $0.tag == argument.valueName }
            } else {
                entry = entries.first { !Set($0.optionNames).isDisjoint(with: argument.longNames) }
            }
            guard let entry else {
                Issue.record("parley \(name): \(argument.label) has no .TP paragraph in the man page")
                continue
            }
            for option in argument.longNames {
                #expect(synopsis.contains(option), "SYNOPSIS does not show \(option)")
            }
            if argument.isPositional { continue }
            // An inverted flag (--fec/--no-fec) reports its default as the name that is in force.
            if let value = argument.defaultValue, !value.hasPrefix("--") {
                let stated = Self.statedDefault(in: entry.body)
                #expect(
                    stated != nil && stated.flatMap(Double.init) == Double(value),
                    "parley \(name) \(argument.label): the man page says 'Default: \(stated ?? "nothing")', the code \(value)"
                )
            } else if argument.isOptional {
                #expect(entry.body.contains("Default:"), "parley \(name) \(argument.label): no default stated")
            } else {
                #expect(entry.body.contains("required"), "parley \(name) \(argument.label): not marked required")
            }
        }

        let declared = Set(arguments.flatMap { $0.longNames + $0.shortNames })
        for entry in entries {
            for option in entry.optionNames {
                #expect(
                    declared.contains(option), "the man page documents parley \(name) \(option), which does not exist")
            }
        }
    }

    @Test func globalOptionsAreDocumentedUnderOptions() throws {
        let page = try ManPage.load()
        let entries = try #require(page.section("OPTIONS")).entries
        let documented = Set(entries.flatMap(\.optionNames))
        for argument in try DeclaredCommand.globalArguments() {
            for option in argument.longNames + argument.shortNames {
                #expect(documented.contains(option), "OPTIONS does not document \(option)")
            }
        }
        #expect(
            documented.count
                == Set(try DeclaredCommand.globalArguments().flatMap { $0.longNames + $0.shortNames }).count)
    }

    @Test func exitStatusListsEveryCodeParleyUses() throws {
        let page = try ManPage.load()
        let documented = try #require(page.section("EXIT STATUS")).entries.map(\.tag)
        var codes = Set((0...255).compactMap { ExitStatus(rawValue: Int32($0)) }.map(\.rawValue))
        #expect(codes.count >= 5)
        // ArgumentParser's status for a usage error, for a bad command and for a bad option value.
        for bad in [["chat", "--keepalive", "0"], ["no-such-command"], ["send", "--to", "nowhere", "text"]] {
            do {
                _ = try Parley.parseAsRoot(bad)
                Issue.record("parley \(bad) parsed")
            } catch {
                codes.insert(Parley.exitCode(for: error).rawValue)
            }
        }
        #expect(codes.contains(64), "usage errors no longer exit 64; update EXIT STATUS")
        for code in codes {
            #expect(documented.contains(String(code)), "EXIT STATUS does not document \(code)")
        }
        for tag in documented {
            #expect(codes.contains(Int32(tag) ?? -1), "EXIT STATUS documents \(tag), which parley does not use")
        }
    }

    @Test func chatLineCommandsAreDocumented() throws {
        let page = try ManPage.load()
        let tags = Set(try #require(page.subsection("parley chat")).entries.map(\.tag))
        let commands = ChatCommand.lineCommands
        #expect(commands.count >= 15, "\(commands)")
        for command in commands {
            #expect(tags.contains(command), "parley chat: \(command) is not documented")
        }
    }

    @Test func filesAreTheIdentityStoresFiles() throws {
        let page = try ManPage.load()
        let tags = try #require(page.section("FILES")).entries.map(\.tag)
        for file in [IdentityStore.identityKeyFile, IdentityStore.staticKeyFile, IdentityStore.nicknameFile] {
            #expect(tags.contains("dir/\(file)"), "FILES does not list \(file): \(tags)")
        }
    }

    /// Every environment variable the sources read is described under ENVIRONMENT.
    @Test func environmentNamesEveryVariableTheSourcesRead() throws {
        let page = try ManPage.load()
        let tags = Set(try #require(page.section("ENVIRONMENT")).entries.map(\.tag))
        var variables = Set<String>()
        let files = FileManager.default.enumerator(at: PackagePaths.sources, includingPropertiesForKeys: nil)
        let pattern = try NSRegularExpression(pattern: #"(?:env|environment)\["([A-Za-z_][A-Za-z0-9_]*)"\]"#)
        while let url = files?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { variables.insert(String(text[range])) }
            }
        }
        #expect(variables.isSuperset(of: ["PARLEY_HOME", "XDG_DATA_HOME", "HOME", "USER"]), "\(variables)")
        for variable in variables {
            #expect(tags.contains(variable), "ENVIRONMENT does not describe \(variable)")
        }
    }

    @Test func securityNamesTheNoiseProtocolAndTheChecks() throws {
        let page = try ManPage.load()
        let security = try #require(page.section("SECURITY")).text
        let discussion = Parley.configuration.discussion
        let range = try #require(discussion.range(of: #"Noise_[A-Za-z0-9_]+"#, options: .regularExpression))
        #expect(security.contains(String(discussion[range])), "SECURITY does not name \(discussion[range])")
        for phrase in ["--expect", "fingerprint", "aloud", "never printed or logged", "without telling the peer"] {
            #expect(security.contains(phrase), "SECURITY does not mention '\(phrase)'")
        }
    }

    @Test func idOutputFormsAreThoseDocumented() throws {
        let page = try ManPage.load()
        let part = try #require(page.subsection("parley id"))
        let identity = LocalIdentity.generate(nickname: "alice")

        let text = try IdCommand.parse(["--home", "/nonexistent"]).render(identity)
        let labels = text.split(separator: "\n").compactMap { $0.split(separator: ":").first.map { $0 + ":" } }
        #expect(labels.count == 4)
        for label in labels {
            #expect(part.lines.contains { Roff.plain($0).hasPrefix(label) }, "parley id: '\(label)' is not documented")
        }

        let json = try IdCommand.parse(["--home", "/nonexistent", "--json"]).render(identity)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        let entry = try #require(part.entries.first { $0.optionNames.contains("--json") })
        for key in object.keys {
            #expect(
                entry.bodyLines.contains { Roff.plain($0).hasPrefix(key) },
                "parley id --json: key \(key) is not documented")
        }
    }

    /// The man page says parley refuses a key file others can read, with status 1.
    @Test func keyFileReadableByOthersIsRefusedWithStatusOne() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("parley-man-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let options = try HomeOptions.parse(["--home", home.path])
        _ = try options.loadIdentity()
        let key = home.appendingPathComponent(IdentityStore.staticKeyFile).path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        do {
            _ = try options.loadIdentity()
            Issue.record("a key file of mode 644 was accepted")
        } catch let failure as Failure {
            #expect(failure.code == .failure)
            #expect(failure.message.contains("chmod 600"), "\(failure.message)")
            let files = try #require(try ManPage.load().section("FILES")).text
            #expect(files.contains("exit status \(failure.code.rawValue)") && files.contains("chmod 600"))
        }
    }

    @Test func manPageRendersWithoutWarnings() async throws {
        guard let man = Programs.find("man") else {
            Issue.record(
                "man is not installed: install man-db (apt-get install man-db groff-base) to check Man/parley.1")
            return
        }
        var environment = ProcessInfo.processInfo.environment
        environment["MANROFFSEQ"] = ""
        environment["MANWIDTH"] = "80"
        environment["MAN_KEEP_FORMATTING"] = nil
        let run = try await Programs.run(
            man, ["--warnings", "-l", PackagePaths.manPage.path], environment: environment)
        #expect(run.status == 0, "man exited \(run.status): \(run.stderr)")
        #expect(run.stderr.isEmpty, "man --warnings -l Man/parley.1:\n\(run.stderr)")
        #expect(run.stdout.contains("PARLEY(1)"), "man rendered nothing recognisable")

        if let groff = Programs.find("groff") {
            let strict = try await Programs.run(groff, ["-man", "-ww", "-z", PackagePaths.manPage.path])
            #expect(
                strict.status == 0 && strict.stderr.isEmpty && strict.stdout.isEmpty,
                "groff -man -ww -z:\n\(strict.stderr)")
        }
    }

    /// `Default: 1 second` → "1".
    static func statedDefault(in body: String) -> String? {
        guard let range = body.range(of: #"Default: [0-9]+(\.[0-9]+)?"#, options: .regularExpression) else {
            return nil
        }
        return String(body[range].dropFirst("Default: ".count))
    }
}
