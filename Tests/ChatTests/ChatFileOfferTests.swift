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

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}
