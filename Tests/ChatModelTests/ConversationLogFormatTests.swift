import Foundation
import Testing

@testable import ChatModel

/// The plain-text logs' layout: file names safe whatever the nickname, irssi's lines.
@Suite struct ConversationLogFormatTests {
    let format = ConversationLogFormat(timeZone: TimeZone(identifier: "UTC")!)
    /// Monday 7 December 2026, 14:30:05 UTC.
    let monday = Date(timeIntervalSince1970: 1_796_653_805)

    func message(_ text: String, from nickname: String = "alice", at date: Date) -> ChatMessage {
        ChatMessage(id: "1", timestamp: date, senderID: "p", senderNickname: nickname, text: text)
    }

    @Test func fileNamesAreSafeAndTellPeersWithOneNicknameApart() {
        typealias F = ConversationLogFormat
        #expect(F.fileName(for: .room, nickname: nil, fingerprint: nil) == "lan.log")
        #expect(F.fileName(for: .peer("abc"), nickname: "alice", fingerprint: "ABCDE-FGHIJ") == "alice-ABCDE.log")
        #expect(F.fileName(for: .peer("abc"), nickname: "alice", fingerprint: "VWXYZ-FGHIJ") == "alice-VWXYZ.log")
        #expect(F.fileName(for: .peer("abc"), nickname: "../../etc/x y", fingerprint: "ABCDE") == "_.._etc_x_y-ABCDE.log")
        #expect(F.fileName(for: .peer("abc"), nickname: "..", fingerprint: "ABCDE") == "peer-ABCDE.log")
        #expect(F.fileName(for: .peer("abc"), nickname: "Zoë", fingerprint: "ABCDE") == "Zoë-ABCDE.log")
        #expect(F.fileName(for: .peer("4vbnq2x7p3kd9zzz"), nickname: nil, fingerprint: nil) == "peer-4vbnq2x7p3kd.log")
        let long = F.fileName(for: .peer("abc"), nickname: String(repeating: "n", count: 300), fingerprint: "ABCDE")
        #expect(long.count == F.maximumNameLength + "-ABCDE.log".count)
    }

    @Test func linesAsIrssiWritesThem() {
        #expect(format.opened(at: monday) == "--- Log opened Mon Dec 07 14:30:05 2026")
        #expect(format.lines(for: message("hello", at: monday), after: nil) == ["14:30 <alice> hello"])
        #expect(format.lines(for: message("/me waves", at: monday), after: nil) == ["14:30  * alice waves"])
        #expect(format.lines(for: message("one\ntwo", at: monday), after: nil) == ["14:30 <alice> one\n      two"])
        #expect(
            format.lines(for: message("\u{1B}[2Jgone", from: "ev\u{1B}il", at: monday), after: nil)
                == ["14:30 <ev\u{FFFD}il> \u{FFFD}[2Jgone"], "no escape sequence reaches a terminal that shows the log")
    }

    @Test func aNewDayIsMarked() {
        let tuesday = monday.addingTimeInterval(12 * 3600)
        #expect(
            format.lines(for: message("late", at: tuesday), after: format.day(of: monday)) == [
                "--- Day changed Tue Dec 08 2026", "02:30 <alice> late",
            ])
        #expect(format.lines(for: message("same", at: monday), after: format.day(of: monday)).count == 1)
    }
}
