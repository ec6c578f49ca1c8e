import Identity
import Testing
import Wire

@testable import ChatCore

/// The relay would not keep bob's queued messages: one summary line per change, not one line
/// per message per typed line (issue 13: 3,633 lines in 2 s).
@Suite struct QueuedNoticesTests {
    static let bob = LocalIdentity.generate(nickname: "bob").peerID
    static let carol = LocalIdentity.generate(nickname: "carol").peerID

    @Test func threeRefusedMessagesMakeOneLineAndRetriesRepeatNothing() {
        var notices = QueuedNotices()
        let text = notices.refused([1, 2, 3], for: Self.bob, nickname: "bob", reason: "mailbox full")
        #expect(text == "3 messages queued for bob, who is offline: the relay did not keep them (mailbox full)")
        // Every typed line retries: the same messages, the same reason, nothing new to say.
        let repeats = (0..<100).compactMap { _ in
            notices.refused([1, 2, 3], for: Self.bob, nickname: "bob", reason: "mailbox full")
        }
        #expect(repeats.isEmpty)
        // Another peer has its own line.
        let carol = notices.refused([9], for: Self.carol, nickname: "carol", reason: "mailbox full")
        #expect(carol != nil)
    }

    @Test func aNewMessageOrReasonIsNewsAndSoIsARefusalAfterSuccess() {
        var notices = QueuedNotices()
        _ = notices.refused([1], for: Self.bob, nickname: "bob", reason: "r")
        let two = notices.refused([1, 2], for: Self.bob, nickname: "bob", reason: "r")
        #expect(two == "2 messages queued for bob, who is offline: the relay did not keep them (r)")
        let otherReason = notices.refused([1, 2], for: Self.bob, nickname: "bob", reason: "other")
        #expect(otherReason != nil)
        let allKept = notices.refused([], for: Self.bob, nickname: "bob", reason: "")
        #expect(allKept == nil, "all kept: nothing to say")
        let again = notices.refused([1], for: Self.bob, nickname: "bob", reason: "r")
        #expect(again == "1 message queued for bob, who is offline: the relay did not keep it (r)")
    }
}
