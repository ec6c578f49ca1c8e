import ChatModel
import Foundation
import Testing

@testable import TUI

private typealias F = ScreenFixtures

/// `#lan`'s comings and goings folded for peers who have not written lately (WeeChat's smart
/// filter), shown for those who have, and all of them with the filter off.
@Suite("Smart filter")
struct SmartFilterTests {
    static func roomNotices(_ model: ChatScreenModel) -> [String] {
        model.conversations[0].messages.filter { $0.kind == .notice }.map(\.text)
    }

    @Test func onlyPeersWhoWroteLatelyHaveTheirComingsAndGoingsShown() {
        var screen = ChatScreen(model: F.model(), renderer: F.renderer)
        let now = F.at(12)
        // Bob wrote in the room 4 minutes ago, alice to us 6 minutes ago (too long), carol never.
        _ = screen.apply(.message(F.message("b", "hi all", from: F.bob, at: now.addingTimeInterval(-240)), in: .room), now: now)
        _ = screen.apply(
            .message(F.message("a", "psst", from: F.alice, at: now.addingTimeInterval(-360)), in: .peer(F.alice.id)),
            now: now)
        for peer in [F.bob.id, F.alice.id, "peer-carol"] {
            _ = screen.apply(.presence("offline: \(peer) (goodbye)", peer: peer), now: now)
        }
        #expect(Self.roomNotices(screen.model) == ["offline: \(F.bob.id) (goodbye)"])
        #expect(screen.model.presenceLinesFolded == 2)

        // A private message counts too; a notice (not a message) does not.
        _ = screen.apply(.message(F.message("a2", "back", from: F.alice, at: now), in: .peer(F.alice.id)), now: now)
        _ = screen.apply(.notice("carol is away", in: .peer("peer-carol")), now: now)
        _ = screen.apply(.presence("moved: alice to 10.0.0.2:7000", peer: F.alice.id), now: now)
        _ = screen.apply(.presence("online: carol", peer: "peer-carol"), now: now)
        #expect(Self.roomNotices(screen.model).last == "moved: alice to 10.0.0.2:7000")
        #expect(screen.model.presenceLinesFolded == 3)
    }

    @Test func offShowsEveryLine() {
        var model = F.model()
        model.smartFilter = false
        var screen = ChatScreen(model: model, renderer: F.renderer)
        _ = screen.apply(.presence("online: carol", peer: "peer-carol"), now: F.at(12))
        #expect(Self.roomNotices(screen.model) == ["online: carol"])
        #expect(screen.model.presenceLinesFolded == 0)
    }
}
