import ArgumentParser
import ChatModel
import Foundation
import Identity
import RunSupport
import Wire

struct IdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Show your identity: nickname, peer ID and fingerprint.",
        discussion: """
            The identity is created on first run: an Ed25519 identity key and an X25519 Noise \
            static key, each in a file of mode 600 under the home directory. Compare \
            fingerprints aloud with the people you talk to; 'parley chat --expect' and \
            'parley send --expect' refuse anyone else.
            """)

    @OptionGroup var homeOptions: HomeOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Change your nickname (1 to \(Limits.maxNicknameBytes) bytes, no spaces).", valueName: "name"))
    var nick: String?

    @Flag(name: .long, help: "Print as JSON.")
    var json = false

    func validate() throws {
        if let nick, !Nickname.isValid(nick) {
            throw ValidationError(
                "invalid nickname '\(LineOutput.sanitize(nick))': \(Nickname.rule)"
            )
        }
    }

    func run() async throws {
        try await Failure.exitingOnFailure {
            var identity = try homeOptions.loadIdentity()
            if let nick {
                do throws(IdentityError) { try homeOptions.store.saveNickname(nick) } catch {
                    throw Failure(message: error.description, code: .failure)
                }
                identity.nickname = nick
            }
            print(render(identity), terminator: "")
        }
    }

    func render(_ identity: LocalIdentity) -> String {
        let home = homeOptions.store.directory
        if json {
            let object: [String: String] = [
                "nickname": identity.nickname, "peerID": identity.peerID.description,
                "fingerprint": identity.fingerprint.description, "home": home,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        }
        return """
            nickname:    \(identity.nickname)
            peer ID:     \(identity.peerID)
            fingerprint: \(identity.fingerprint)
            home:        \(home)

            """
    }
}
