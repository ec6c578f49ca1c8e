import ChatModel
import Foundation

@testable import TUI

/// A screen with a few peers and messages, in UTC, on Saturday 21 November 2026.
enum ScreenFixtures {
    /// 2026-11-21 00:00:00 UTC, a Saturday.
    static let saturday = Date(timeIntervalSince1970: 1_795_219_200)
    static let utc = TimeZone(identifier: "UTC")!

    static func at(_ hours: Double, day: Int = 0) -> Date {
        saturday.addingTimeInterval(Double(day) * 86_400 + hours * 3_600)
    }

    static let renderer = ScreenRenderer(theme: Theme(colors: true), format: TimeFormat(timeZone: utc))
    static let plainRenderer = ScreenRenderer(theme: Theme(colors: false), format: TimeFormat(timeZone: utc))

    static let alice = PeerRow(
        id: "peer-alice", nickname: "alice", shortFingerprint: "ABCDE-FGHIJ", verified: true, path: .direct,
        roundTripMilliseconds: 12.4)
    static let bob = PeerRow(
        id: "peer-bob", nickname: "bob", shortFingerprint: "KLMNO-PQRST", path: .relay, roundTripMilliseconds: 48,
        inCall: true)

    static func message(
        _ id: String, _ text: String, from peer: PeerRow? = nil, at date: Date, delivery: DeliveryState? = nil
    ) -> ChatMessage {
        ChatMessage(
            id: id, timestamp: date, senderID: peer?.id ?? "me", senderNickname: peer?.nickname ?? "me", text: text,
            delivery: peer == nil ? (delivery ?? .sent) : nil)
    }

    static func model() -> ChatScreenModel {
        var model = ChatScreenModel(ownNickname: "me", ownFingerprint: "UVWXY-Z2345")
        model.setPeers([alice, bob])
        model.append(message("r1", "hello room", from: alice, at: at(9)), to: .room)
        model.append(message("r2", "hi all", at: at(9.5), delivery: .room(delivered: 1, of: 2)), to: .room)
        model.append(message("a1", "are you there?", from: alice, at: at(10)), to: .peer(alice.id))
        model.append(message("a2", "yes", at: at(10.1), delivery: .delivered), to: .peer(alice.id))
        return model
    }

    static func screen(_ model: ChatScreenModel, rows: Int, columns: Int, plain: Bool = false) -> RenderedScreen {
        (plain ? plainRenderer : renderer).render(model, rows: rows, columns: columns, now: at(12))
    }
}
