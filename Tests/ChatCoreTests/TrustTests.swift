import ChatCore
import Identity
import Session
import Testing
import Wire

/// Trust on first use, decided in the core: a key presenting a nickname pinned to another key is
/// refused loudly, takes nothing (its texts are not acknowledged, so its sender keeps them) and
/// is remembered until `/verify NICK accept`; its next session then brings what it sent.
@Suite struct TrustTests {
    let bob = CoreHarness.bob
    /// A new key presenting bob's nickname (bob reinstalled, or someone else).
    let newBob = LocalIdentity.generate(nickname: "bob").peerID
    let warning = "WARNING: \"bob\" now presents a different identity key."

    func text(_ id: MessageID) -> ReceivedText { ReceivedText(id: id, sentAt: 7, text: "hi \(id)") }

    @Test func aTextFromAKnownNicknameWithANewKeyIsNotAcknowledged() {
        var h = CoreHarness()
        let session = ChatSessionID(1)
        let actions = h.feed(
            .keyChecked(session, peer: newBob, nickname: "bob", .changed(nickname: "bob", warning: warning)))
        #expect(
            actions == [
                .show(ChatNotice(warning, in: .room, isError: true)),
                .show(ChatNotice("to accept the new key: /verify bob accept", in: .room, isError: true)),
                .bell,
                .refuseSession(session),
            ])
        // Held back, not taken: no commit, so no acknowledgement; the sender keeps it.
        #expect(h.feed(.textReceived(session, text(1))) == [])
        #expect(!h.core.takesTexts(on: session))
        #expect(h.core.keyRefusals == [KeyRefusal(presented: newBob, nickname: "bob", shown: "bob")])
    }

    @Test func afterTheAcceptTheNewKeysNextSessionBringsItsText() {
        var h = CoreHarness()
        let refused = ChatSessionID(1)
        h.feed(.keyChecked(refused, peer: newBob, nickname: "bob", .changed(nickname: "bob", warning: warning)))
        h.feed(.textReceived(refused, text(1)))
        h.feed(.sessionClosed(refused))
        // Typed with another case: nicknames are compared ignoring it.
        let refusal = KeyRefusal(presented: newBob, nickname: "bob", shown: "bob")
        #expect(h.feed(.acceptKeyTyped(nickname: "BOB", shown: "BOB", in: .room)) == [.acceptKey(refusal, in: .room)])
        // Not accepted until the store says so.
        #expect(h.core.keyRefusals == [refusal])
        let notices = h.feed(.keyAccepted(refusal, in: .room, error: nil)).notices
        #expect(
            notices == [
                ChatNotice(
                    "accepted the new key \(newBob.fingerprint) for bob; its next session is allowed and brings what it sent meanwhile",
                    in: .room)
            ])
        #expect(h.core.keyRefusals.isEmpty)
        // The store now knows the key: its next session is trusted and the text sent again is taken.
        let next = ChatSessionID(2)
        #expect(
            h.feed(.keyChecked(next, peer: newBob, nickname: "bob", .known(previousNickname: nil))) == [
                .trustSession(next)
            ])
        #expect(h.feed(.textReceived(next, text(1))) == [.takeText(text(1), from: newBob, on: next)])
    }

    @Test func aSessionWhoseKeyCheckFailedTakesNothing() {
        var h = CoreHarness()
        let session = ChatSessionID(1)
        let actions = h.feed(.keyChecked(session, peer: bob, nickname: "bob", .failed("disk I/O error")))
        #expect(
            actions == [
                .show(
                    ChatNotice(
                        "cannot check bob's key against the known keys (disk I/O error): session refused",
                        in: .peer(bob),
                        isError: true)),
                .refuseSession(session),
            ])
        // Before, such a session was closed but not marked refused: a text that came before
        // the close was committed and acknowledged although its key was never checked.
        #expect(h.feed(.textReceived(session, text(1))) == [])
        // Nothing to accept: the key was not refused for a nickname.
        #expect(h.core.keyRefusals.isEmpty)
    }

    @Test func aTextBeforeTheKeyCheckOrAfterTheEndIsNotTaken() {
        var h = CoreHarness()
        let session = ChatSessionID(1)
        #expect(h.feed(.textReceived(session, text(1))) == [])
        h.feed(.keyChecked(session, peer: bob, nickname: "bob", .known(previousNickname: nil)))
        #expect(h.feed(.textReceived(session, text(2))) == [.takeText(text(2), from: bob, on: session)])
        h.feed(.sessionClosed(session))
        #expect(h.feed(.textReceived(session, text(3))) == [])
        #expect(!h.core.takesTexts(on: session))
    }

    @Test func aSessionThatWasUpForgetsItsKeyCheckWhenDown() {
        var h = CoreHarness()
        let session = ChatSessionID(1)
        h.feed(.keyChecked(session, peer: bob, nickname: "bob", .known(previousNickname: nil)))
        let (up, _) = h.sessionUp(with: bob)
        #expect(up == session)
        #expect(h.core.takesTexts(on: session))
        h.feed(.sessionDown(session, .peerLeft))
        #expect(!h.core.takesTexts(on: session))
    }

    @Test func aFirstSessionPinsTheKeyAndSaysSoInThePeersWindow() {
        var h = CoreHarness()
        let session = ChatSessionID(1)
        let actions = h.feed(.keyChecked(session, peer: bob, nickname: "bob", .new))
        #expect(
            actions == [
                .show(
                    ChatNotice(
                        "first session with bob: key \(bob.fingerprint) pinned; compare safety numbers with /verify bob",
                        in: .peer(bob))),
                .trustSession(session),
            ])
        let renamed = h.feed(
            .keyChecked(ChatSessionID(2), peer: bob, nickname: "robert", .known(previousNickname: "bob")))
        #expect(renamed.notices == [ChatNotice("bob is now known as robert", in: .peer(bob))])
    }

    @Test func acceptWithoutANicknameNeedsExactlyOneRefusal() {
        var h = CoreHarness()
        #expect(
            h.feed(.acceptKeyTyped(nickname: nil, shown: nil, in: .room)).notices == [
                ChatNotice("no peer has not presented a new key: nothing to accept", in: .room, isError: true)
            ])
        #expect(
            h.feed(.acceptKeyTyped(nickname: "carol", shown: "carol", in: .peer(bob))).notices == [
                ChatNotice("carol has not presented a new key: nothing to accept", in: .peer(bob), isError: true)
            ])
        h.feed(
            .keyChecked(ChatSessionID(1), peer: newBob, nickname: "bob", .changed(nickname: "bob", warning: warning)))
        let refusal = KeyRefusal(presented: newBob, nickname: "bob", shown: "bob")
        #expect(h.feed(.acceptKeyTyped(nickname: nil, shown: nil, in: .room)) == [.acceptKey(refusal, in: .room)])
        let newCarol = LocalIdentity.generate(nickname: "carol").peerID
        h.feed(.senderChecked(newCarol, nickname: "carol", .changed(nickname: "carol", warning: "W")))
        // Two refused: which one is meant must be said.
        #expect(h.feed(.acceptKeyTyped(nickname: nil, shown: nil, in: .room)).notices.map(\.isError) == [true])
        #expect(h.feed(.acceptKeyTyped(nickname: "carol", shown: "carol", in: .room)).count == 1)
    }

    @Test func aFailedAcceptKeepsTheRefusal() {
        var h = CoreHarness()
        h.feed(
            .keyChecked(ChatSessionID(1), peer: newBob, nickname: "bob", .changed(nickname: "bob", warning: warning)))
        let refusal = KeyRefusal(presented: newBob, nickname: "bob", shown: "bob")
        let notices = h.feed(.keyAccepted(refusal, in: .room, error: "read-only")).notices
        #expect(notices == [ChatNotice("could not accept the new key of bob: read-only", in: .room, isError: true)])
        #expect(h.core.keyRefusals == [refusal])
    }

    @Test func aRenameToAPinnedNicknameIsRefusedWhileTheSessionGoesOn() {
        var h = CoreHarness()
        let carol = CoreHarness.carol
        let session = ChatSessionID(1)
        h.feed(.keyChecked(session, peer: carol, nickname: "carol", .known(previousNickname: nil)))
        let actions = h.feed(
            .renameChecked(carol, from: "carol", to: "bob", .changed(nickname: "bob", warning: warning)))
        #expect(
            actions == [
                .show(ChatNotice(warning, in: .room, isError: true)),
                .show(
                    ChatNotice(
                        "carol stays carol here; to accept the new key: /verify bob accept", in: .room, isError: true)),
                .bell,
            ])
        // Said once: the same frame on carol's other session is not checked again.
        #expect(h.core.refuses("Bob", presentedBy: carol))
        #expect(!h.core.refuses("bob", presentedBy: bob))
        // The session itself was trusted and stays so.
        #expect(h.feed(.textReceived(session, text(1))) == [.takeText(text(1), from: carol, on: session)])
    }

    @Test func aRenameTakenNamesThePeerInLaterNotices() {
        var h = CoreHarness()
        let (session, _) = h.sessionUp(with: bob)
        let renamed = h.feed(.renameChecked(bob, from: "bob", to: "robert", .known(previousNickname: "bob")))
        #expect(renamed == [.show(ChatNotice("bob is now robert", in: .peer(bob)))])
        #expect(h.feed(.sessionDown(session, .peerLeft)).notices == [ChatNotice("robert left", in: .peer(bob))])
        let failed = h.feed(.renameChecked(bob, from: "robert", to: "rob", .failed("locked")))
        #expect(
            failed.notices == [
                ChatNotice(
                    "cannot check robert's new nickname rob against the known keys (locked): not taken", in: .peer(bob),
                    isError: true)
            ])
    }

    @Test func aSealedMessagesSenderIsCheckedWithoutABell() {
        var h = CoreHarness()
        let refused = h.feed(.senderChecked(newBob, nickname: "bob", .changed(nickname: "bob", warning: warning)))
        #expect(
            refused == [
                .show(ChatNotice(warning, in: .room, isError: true)),
                .show(ChatNotice("to accept the new key: /verify bob accept", in: .room, isError: true)),
            ])
        #expect(h.core.refuses("bob", presentedBy: newBob))
        let first = h.feed(.senderChecked(bob, nickname: "bob", .new))
        #expect(
            first.notices == [
                ChatNotice(
                    "first message from bob: key \(bob.fingerprint) pinned; compare safety numbers with /verify bob",
                    in: .peer(bob))
            ])
        #expect(h.feed(.senderChecked(bob, nickname: "bob", .known(previousNickname: nil))) == [])
        let failed = h.feed(.senderChecked(bob, nickname: "bob", .failed("busy")))
        #expect(failed.notices.map(\.window) == [.peer(bob)])
    }
}
