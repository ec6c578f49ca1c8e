import ChatModel
import Foundation
import Testing

@testable import ChatClient

/// The conversation logs on a real directory: files per conversation with private modes, and
/// a file that cannot be written said once, the next ones still written.
@Suite struct ConversationLogTests {
    let directory = NSTemporaryDirectory() + "parley-logs-\(UUID().uuidString)/logs"
    let at = Date(timeIntervalSince1970: 1_796_653_805)

    func message(_ text: String, from nickname: String) -> ChatMessage {
        ChatMessage(id: UUID().uuidString, timestamp: at, senderID: "p", senderNickname: nickname, text: text)
    }

    func read(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }

    func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int ?? 0) & 0o777
    }

    @Test func eachConversationHasItsFileAndNoticesAreNotLogged() throws {
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let log = try ConversationLog(directory: directory, timeZone: TimeZone(identifier: "UTC")!)
        let bob = PeerRow(id: "peer-bob", nickname: "bob", shortFingerprint: "KLMNO-PQRST")
        #expect(log.record([.peers([bob])], now: at) == nil)
        #expect(log.record([.message(message("hi all", from: "alice"), in: .room)], now: at) == nil)
        #expect(log.record([.message(message("/me waves", from: "bob"), in: .peer("peer-bob"))], now: at) == nil)
        #expect(log.record([.notice("bob joined", in: .room)], now: at) == nil)
        var notice = message("a notice", from: "")
        notice.kind = .notice
        #expect(log.record([.message(notice, in: .room)], now: at) == nil)
        // bob renamed: this run keeps his file.
        let caro = PeerRow(id: "peer-bob", nickname: "caro", shortFingerprint: "KLMNO-PQRST")
        _ = log.record([.peers([caro])], now: at)
        _ = log.record([.message(message("still me", from: "caro"), in: .peer("peer-bob"))], now: at)

        #expect(read("lan.log") == "--- Log opened Mon Dec 07 14:30:05 2026\n14:30 <alice> hi all\n")
        #expect(
            read("bob-KLMNO.log") == "--- Log opened Mon Dec 07 14:30:05 2026\n14:30  * bob waves\n14:30 <caro> still me\n")
        #expect(mode(directory) == 0o700)
        #expect(mode(directory + "/lan.log") == 0o600)
    }

    @Test func aFailedWriteIsSaidOnceAndTheOtherFilesGoOn() throws {
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let log = try ConversationLog(directory: directory, timeZone: TimeZone(identifier: "UTC")!)
        // lan.log is a directory: every write to it fails (also as root).
        try FileManager.default.createDirectory(atPath: directory + "/lan.log", withIntermediateDirectories: false)
        let first = log.record([.message(message("one", from: "alice"), in: .room)], now: at)
        #expect(first?.hasPrefix("could not write the conversation log \(directory)/lan.log: ") == true, "\(first ?? "")")
        #expect(first?.hasSuffix("the history database still has every message") == true)
        #expect(log.record([.message(message("two", from: "alice"), in: .room)], now: at) == nil, "said once")
        #expect(log.record([.message(message("three", from: "dave"), in: .peer("peer-dave"))], now: at) == nil)
        #expect(read("peer-peer-dave.log").hasSuffix("14:30 <dave> three\n"))
    }

    @Test func aDirectoryThatIsAFileIsAClearError() throws {
        let file = NSTemporaryDirectory() + "parley-logs-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: ConversationLog.Failure.self) { try ConversationLog(directory: file) }
    }
}
