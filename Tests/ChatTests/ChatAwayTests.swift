import ChatModel
import Foundation
import Identity
import Net
import Session
import Wire
import Testing

@testable import ChatClient

/// `/away` and `/back` over real loopback sessions: the peer sees them in its window, on the
/// peers pane and when it writes; a session that comes up later is told at once.
@Suite("Away and back", .timeLimit(.minutes(1)))
struct ChatAwayTests {
    /// The peers pane's latest row for `peer`, as the display was last told.
    static func row(_ display: RecordingDisplay, _ peer: PeerID) -> PeerRow? {
        for update in display.updates.reversed() {
            if case .peers(let rows) = update { return rows.first { $0.id == peer.description } }
        }
        return nil
    }

    @Test func awayBeforeTheSessionIsToldWhenItIsReadyAndBackEndsIt() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        await alice.chat.start()
        await bob.chat.start()
        await alice.chat.perform(.away("  at lunch\u{1B}[2J "), in: .room)
        #expect(alice.display.lines.contains("* you are away: at lunch [2J; told 0 peers, and peers who connect"))
        #expect(alice.display.updates.contains { if case .away("at lunch [2J") = $0 { true } else { false } })

        let (server, port) = try await alice.listen()
        defer { Task { await server.close() } }
        _ = try await bob.connect(to: port)
        try await eventually("bob is told alice is away") { bob.display.lines.contains("* alice is away: at lunch [2J") }
        try await eventually("bob's pane shows alice away") { Self.row(bob.display, alice.peerID)?.away == "at lunch [2J" }

        // Writing to her shows her message once, not with every line.
        await bob.chat.perform(.msg(nickname: "alice", text: "one"), in: .room)
        await bob.chat.perform(.msg(nickname: "alice", text: "two"), in: .room)
        #expect(bob.display.lines.filter { $0 == "* alice is away: at lunch [2J" }.count == 2)
        try await eventually("alice still gets both") {
            alice.display.shownMessages(containing: "one").count == 1
                && alice.display.shownMessages(containing: "two").count == 1
        }

        await alice.chat.perform(.back, in: .room)
        #expect(alice.display.lines.contains("* you are back; told 1 peer"))
        try await eventually("bob is told alice is back") { bob.display.lines.contains("* alice is back") }
        try await eventually("bob's pane shows alice online") {
            let row = Self.row(bob.display, alice.peerID)
            return row != nil && row?.away == nil
        }
        await alice.chat.perform(.back, in: .room)
        #expect(alice.display.lines.contains("* you are not away"))
        await alice.chat.quit()
        await bob.chat.quit()
    }

    @Test func awayDuringASessionIsShownAndAFloodOfChangesShowsFewLines() async throws {
        let temp = TempDirectory()
        defer { temp.cleanup() }
        let alice = try await ChatPeer("alice", in: temp.path)
        let bob = try await ChatPeer("bob", in: temp.path)
        await alice.chat.start()
        await bob.chat.start()
        let (server, port) = try await bob.listen()
        defer { Task { await server.close() } }
        _ = try await alice.connect(to: port)
        try await eventually("bob sees alice connected") { Self.row(bob.display, alice.peerID)?.path == .direct }
        // And alice sees bob: until her side of the session is ready her changes go nowhere, and
        // the state she is in when it becomes ready goes as one frame (a loaded run saw 1 line).
        try await eventually("alice sees bob connected") { Self.row(alice.display, bob.peerID)?.path == .direct }

        // 40 changes at once: each takes effect, 4 show a line, the user is told once.
        for n in 0..<40 {
            await alice.chat.perform(n % 2 == 0 ? .away("brb \(n)") : .back, in: .room)
        }
        await alice.chat.perform(.away("gone for the day"), in: .room)
        try await eventually("the last state is on bob's pane") {
            Self.row(bob.display, alice.peerID)?.away == "gone for the day"
        }
        let shown = bob.display.lines.filter { $0.hasPrefix("* alice is away") || $0 == "* alice is back" }
        #expect(shown.count == 4)
        #expect(bob.display.lines.filter { $0.contains("changes its presence too often") }.count == 1)
        await alice.chat.quit()
        await bob.chat.quit()
    }
}
