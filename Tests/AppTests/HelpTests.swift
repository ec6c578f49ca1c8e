import ArgumentParser
import Foundation
import Testing

@testable import ParleyApp

/// `parley --help`, each command's help, and `--version`, as ArgumentParser renders them.
@Suite struct HelpTests {
    @Test func rootHelpNamesEverySubcommandAndGlobalOption() throws {
        let help = Parley.helpMessage(columns: 200)
        for type in Parley.configuration.subcommands {
            let name = type._commandName
            let abstract = type.configuration.abstract
            #expect(!abstract.isEmpty, "subcommand \(name) has no abstract")
            // Internal commands (lab-node) are hidden from the list, and documented as internal.
            guard type.configuration.shouldDisplay else {
                #expect(!help.contains("  \(name) "), "parley --help lists the internal command \(name)")
                continue
            }
            #expect(
                help.contains("  \(name) ") && help.contains(abstract),
                "parley --help does not list \(name) with its abstract:\n\(help)")
        }
        for argument in try DeclaredCommand.globalArguments() {
            for name in argument.longNames {
                #expect(help.contains(name), "parley --help does not mention \(name)")
            }
        }
    }

    @Test(arguments: DeclaredCommand.subcommandNames)
    func subcommandHelpMentionsEveryDeclaredOption(_ name: String) throws {
        let command = try DeclaredCommand.subcommand(name)
        let help = Parley.helpMessage(for: try DeclaredCommand.subcommandType(name), columns: 200)
        let arguments = try #require(command.arguments)
        #expect(!arguments.isEmpty)
        for argument in arguments {
            #expect(argument.shouldDisplay, "parley \(name): \(argument.label) is hidden from --help")
            #expect(
                !(argument.abstract ?? "").isEmpty, "parley \(name): \(argument.label) has no help text")
            if argument.isPositional {
                let valueName = try #require(argument.valueName)
                #expect(help.contains("<\(valueName)>"), "parley \(name) --help does not show <\(valueName)>")
            }
            for option in argument.longNames + argument.shortNames {
                #expect(
                    help.range(of: "(^|[\\s\\[|])\(option)([\\s,\\]]|$)", options: .regularExpression) != nil,
                    "parley \(name) --help does not mention \(option):\n\(help)")
            }
            if let abstract = argument.abstract, !abstract.isEmpty {
                #expect(help.contains(abstract), "parley \(name) --help lacks the help text of \(argument.label)")
            }
            if let value = argument.defaultValue {
                #expect(
                    help.contains("(default: \(value))"),
                    "parley \(name) --help does not show the default of \(argument.label)")
            }
        }
    }

    @Test func versionNamesParleyTheProtocolAndLibopus() throws {
        var version = ""
        var exitCode: Int32 = -1
        do {
            _ = try Parley.parseAsRoot(["--version"])
            Issue.record("--version did not stop parsing")
        } catch {
            version = Parley.fullMessage(for: error)
            exitCode = Parley.exitCode(for: error).rawValue
        }
        #expect(exitCode == 0)
        #expect(version.hasPrefix("parley \(Parley.version) "), "\(version)")
        #expect(
            version.range(
                of: #"^parley [0-9]+\.[0-9]+\.[0-9]+ \(protocol [0-9]+, libopus [^)]+\)$"#,
                options: .regularExpression) != nil,
            "unexpected version line: \(version)")
    }

    @Test func everySubcommandHasAnAbstractAndADiscussion() {
        for type in Parley.configuration.subcommands {
            #expect(!type.configuration.abstract.isEmpty, "\(type._commandName) has no abstract")
            #expect(!type.configuration.discussion.isEmpty, "\(type._commandName) has no discussion")
        }
    }
}
