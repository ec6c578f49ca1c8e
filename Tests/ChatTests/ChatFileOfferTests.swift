import ChatModel
import Foundation
import Identity
import Net
import Session
import Testing
import Wire

@testable import ChatClient

/// Offers from a peer that offers without end: the chat asks about the first few, then refuses
/// the rest at once (answer 0), counts them, and says so once, instead of a line and a bell per
/// offer.
@Suite("Chat file offers", .timeLimit(.minutes(1)))
struct ChatFileOfferTests {
    @Test func aPeerOfferingTooFastIsRefusedAndSaidSoOnce() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let files = FileFeature(options: FileOptions(downloads: temp.path + "/downloads"))
        var options = ChatController.Options()
        options.features.files = files
        let bob = try await ChatPeer("bob", in: temp.path, options: options)
        let (server, port) = try await bob.listen()
        defer { Task { await server.close() } }
        let mallory = try await SessionConnector.connect(
            host: "127.0.0.1", port: port, credentials: try SessionCredentials(identity: .generate(nickname: "mallory")),
            config: ChatPeer.sessionConfig)
        defer { Task { await mallory.close() } }
        _ = try await mallory.established()
        try await eventually("bob trusts mallory") { bob.display.lines.contains { $0.contains("connected: mallory") } }

        let count = 30
        for n in 0..<count {
            let offer = FileOffer(transfer: UInt64(n + 1), size: 10, pieceShift: 16, root: [UInt8](repeating: 0, count: 32), name: "spam\(n).txt")
            try await mallory.sendFrame(.file(.offer(offer)))
        }
        // Each offer is asked about (no answer yet) or refused at once. The first `offerBurst`
        // are asked about; a machine slow enough to take over 5 s for the thirty lets one more in.
        let refusals = Counter()
        let reading = Task {
            for await event in mallory.events {
                if case .frame(.file(.answer(_, accepted: false))) = event { refusals.add() }
            }
        }
        defer { reading.cancel() }
        let questions = { bob.display.lines.filter { $0.contains("mallory offers spam") }.count }
        try await eventually("every offer asked about or refused") { questions() + refusals.count == count }
        let asked = questions()
        #expect(asked >= FileFeature.offerBurst && asked <= FileFeature.offerBurst + 2, "\(asked) asked about")
        #expect(await files.refusedOffers == count - asked)
        let notices = bob.display.lines.filter { $0.contains("mallory offers files too fast") }.count
        #expect(notices >= 1 && notices <= 1 + asked - FileFeature.offerBurst, "said \(notices) times")
    }
}

extension ChatFileOfferTests {
    static func transfers(_ display: RecordingDisplay) -> [TransferStatus?] {
        display.updates.compactMap { if case .transfers(let status) = $0 { status } else { nil } }
    }

    /// The status bar's sum of the transfers: drawn while a transfer runs (here an offer waiting
    /// for its answer), cleared once none does; `/files` lists it meanwhile.
    @Test func theStatusBarShowsATransferWhileItRunsAndClearsAfter() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        func peer(_ name: String) async throws -> ChatPeer {
            var options = ChatController.Options()
            options.features.files = FileFeature(options: FileOptions(downloads: temp.path + "/" + name + "-downloads"))
            return try await ChatPeer(name, in: temp.path, options: options)
        }
        let bob = try await peer("bob")
        let alice = try await peer("alice")
        let (server, port) = try await bob.listen()
        defer { Task { await server.close() } }
        _ = try await alice.connect(to: port)
        try await eventually("bob trusts alice") { bob.display.lines.contains { $0.contains("connected: alice") } }
        try await eventually("alice trusts bob") { alice.display.lines.contains { $0.contains("connected: bob") } }
        let path = temp.path + "/notes.txt"
        FileManager.default.createFile(atPath: path, contents: Data("twelve bytes".utf8))

        await alice.chat.perform(.file(nickname: "bob", path: path), in: .room)
        try await eventually("bob is asked") { bob.display.lines.contains { $0.contains("alice offers notes.txt (12 B") } }
        try await eventually("alice's bar shows the offer going out") {
            Self.transfers(alice.display).last??.sending == true
        }
        let shown = try #require(Self.transfers(alice.display).last ?? nil)
        #expect(shown.count == 1 && shown.name == "notes.txt" && !shown.receiving && shown.fraction == 0)
        await alice.chat.perform(.files, in: .room)
        try await eventually("/files lists it") { alice.display.lines.contains { $0.hasPrefix("* 1 ↑ notes.txt to bob: 0% of 12 B") } }

        await bob.chat.perform(.accept(nil), in: .room)
        try await eventually("bob has it") { bob.display.lines.contains { $0.contains("received notes.txt from alice") } }
        try await eventually("both bars cleared") {
            Self.transfers(alice.display).last == .some(nil) && Self.transfers(bob.display).last == .some(nil)
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}
