import ArgumentParser
import ChatClient
import ChatModel
import Foundation
import Identity
import RunSupport
import Store

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print the stored history of a conversation, or of all of them.",
        discussion: """
            Prints the messages parley stored in the identity directory's database, oldest \
            first: those of one conversation (a peer by nickname, fingerprint or peer ID, or \
            the room #lan), or of every conversation. With --search, only the messages \
            containing every word of the text.
            """)

    @OptionGroup var homeOptions: HomeOptions

    @Argument(
        help: ArgumentHelp(
            "The conversation: a known peer's nickname, fingerprint or peer ID, or #lan (default: all).",
            valueName: "peer"))
    var peer: String?

    @Flag(name: .long, help: "Print a JSON array of messages.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Only messages containing every word of this text.", valueName: "text"))
    var search: String?

    @Option(name: .long, help: ArgumentHelp("Print at most this many messages, the newest.", valueName: "n"))
    var limit: Int = 100

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let directory = homeOptions.store.directory
        guard ParleyStore.exists(inDirectory: directory) else {
            if json { print("[]") } else { Self.note("no history in \(directory)") }
            return
        }
        do {
            let store = try ParleyStore(directory: directory)
            let conversation = try peer.map { try Self.resolve($0, in: store) }
            let messages: [StoredMessage]
            if let search {
                messages = try store.search(text: search, conversation: conversation, limit: limit)
            } else {
                messages = try store.messages(in: conversation, limit: limit)
            }
            if json {
                print(HistoryListing.json(messages))
            } else {
                let names = Dictionary(
                    try store.knownPeers().map { ($0.peerID, $0.nickname) }, uniquingKeysWith: { first, _ in first })
                let lines = HistoryListing.lines(messages, showConversation: conversation == nil, names: names)
                for line in lines { print(line) }
                if messages.isEmpty { Self.note("no messages") }
            }
        } catch let error as StoreError {
            Failure(message: error.description, code: .failure).exit()
        } catch let failure as Failure {
            failure.exit()
        }
    }

    /// `#room`, a peer ID, a known nickname, or a known peer's fingerprint.
    static func resolve(_ text: String, in store: ParleyStore) throws -> Conversation {
        if let conversation = Conversation(text) { return conversation }
        if let known = try store.knownPeer(nickname: text) { return .direct(known.peerID) }
        if let expected = ExpectedPeer(text),
            let known = try store.knownPeers().first(where: { expected.matches($0.peerID) })
        {
            return .direct(known.peerID)
        }
        throw Failure(message: "no known peer called \(LineOutput.sanitize(text))", code: .failure)
    }

    private static func note(_ text: String) {
        FileHandle.standardError.write(Data("parley: \(text)\n".utf8))
    }
}
