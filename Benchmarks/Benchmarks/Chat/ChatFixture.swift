import ChatModel
import Foundation
import Identity
import Store
import TUI

struct ChatBenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A real history database of 100,000 messages in four conversations, made through the store's
/// own API: one peer's conversation holds 85 % of it, the room `#lan` 10 %, two more peers
/// 2.5 % each, interleaved as they would arrive. A third of the big conversation is our own
/// messages (enqueued and acknowledged), the rest theirs; lines of 4 to 300 characters, some with
/// wide characters and emoji, spread over 200 days (day separators on screen).
///
/// SQLite waits for the disk on every commit (`synchronous = FULL`), so the 100,000 single-message
/// transactions are made in /dev/shm when it exists and the finished file is then copied to a
/// temporary directory on the ordinary file system, where the benchmarks open it.
final class ChatFixture: @unchecked Sendable {
    static let total = 100_000
    static let me = LocalIdentity.generate(nickname: "me")
    static let big = LocalIdentity.generate(nickname: "alice")
    static let others = [LocalIdentity.generate(nickname: "bob"), LocalIdentity.generate(nickname: "carol")]
    /// What the chat shows of a conversation when it opens it (`ChatController.Options.recentHistory`).
    static let recentHistory = 50

    let directory: String
    var path: String { ParleyStore.path(inDirectory: directory) }
    let bigConversation = Store.Conversation.direct(ChatFixture.big.peerID)
    let bigCount: Int

    private init(directory: String, bigCount: Int) {
        self.directory = directory
        self.bigCount = bigCount
    }

    static func make() throws -> ChatFixture {
        let scratchRoot = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let scratch = try temporaryDirectory(in: scratchRoot)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var bigCount = 0
        do {
            let store = try ParleyStore(directory: scratch)
            bigCount = try fill(store)
            let stored = try store.messageCount()
            guard stored == total else { throw ChatBenchmarkFailure("stored \(stored) messages, not \(total)") }
        }  // closed: SQLite folds the WAL into the file
        let directory = try temporaryDirectory(in: NSTemporaryDirectory())
        for suffix in ["", "-wal", "-shm"] {
            let source = ParleyStore.path(inDirectory: scratch) + suffix
            guard FileManager.default.fileExists(atPath: source) else { continue }
            try FileManager.default.copyItem(atPath: source, toPath: ParleyStore.path(inDirectory: directory) + suffix)
        }
        return ChatFixture(directory: directory, bigCount: bigCount)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func temporaryDirectory(in root: String) throws -> String {
        let path = (root as NSString).appendingPathComponent("parley-chat-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Returns how many messages went into the big conversation.
    private static func fill(_ store: ParleyStore) throws -> Int {
        let start: UInt64 = 1_780_000_000_000  // 2026, in milliseconds
        let span: UInt64 = 200 * 86_400_000
        let bigConversation = Store.Conversation.direct(big.peerID)
        var random = SplitMix(seed: 6)
        var bigCount = 0
        for index in 0..<total {
            let at = start + span * UInt64(index) / UInt64(total)
            let text = line(&random)
            let slot = index % 20
            let messageID = UInt64(index) + 1
            switch slot {
            case 0..<17:
                bigCount += 1
                if index % 3 == 0 {
                    _ = try store.enqueue(
                        conversation: bigConversation, sender: me.peerID, senderNickname: me.nickname,
                        messageID: messageID, sentAt: at, text: text, recipients: [big.peerID])
                    _ = try store.acknowledge(messageID: messageID, from: big.peerID)
                } else {
                    try store.recordIncoming(
                        conversation: bigConversation, sender: big.peerID, senderNickname: big.nickname,
                        messageID: messageID, sentAt: at, receivedAt: at + 40, text: text)
                }
            case 17:
                let sender = [big, others[0], others[1]][index / 20 % 3]
                try store.recordIncoming(
                    conversation: .lan, sender: sender.peerID, senderNickname: sender.nickname, messageID: messageID,
                    sentAt: at, receivedAt: at + 40, text: text)
            default:
                let peer = others[slot - 18]
                try store.recordIncoming(
                    conversation: .direct(peer.peerID), sender: peer.peerID, senderNickname: peer.nickname,
                    messageID: messageID, sentAt: at, receivedAt: at + 40, text: text)
            }
        }
        return bigCount
    }

    private static let words = [
        "the", "call", "dropped", "again", "lunch", "at", "noon?", "see", "build", "is", "green", "relay",
        "works", "😀", "日本語", "ok", "tomorrow", "ça", "marche", "🎉", "meeting", "moved", "to", "three",
        "thanks!", "über", "fine", "review", "merged", "ping",
    ]

    /// 4 to 300 characters: mostly short lines, some paragraphs that wrap several times.
    private static func line(_ random: inout SplitMix) -> String {
        let target = random.next() % 10 == 0 ? 120 + Int(random.next() % 180) : 4 + Int(random.next() % 60)
        var text = ""
        while text.count < target {
            if !text.isEmpty { text += " " }
            text += words[Int(random.next() % UInt64(words.count))]
        }
        return text
    }
}

/// A small deterministic generator, so every run stores the same history.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the chat does when it opens a conversation, in the same steps: the last page of stored
/// messages, turned into the screen's messages, put into the model, and the first frame drawn.
enum OpenConversation {
    static func screenMessage(_ stored: StoredMessage) -> ChatMessage {
        let delivery: ChatModel.DeliveryState? =
            stored.delivery.map { delivery in
                switch delivery.state {
                case .queued: .queued
                case .sent: .sent
                case .delivered: .delivered
                case .failed: .failed(reason: delivery.failure ?? "failed")
                }
            }
        return ChatMessage(
            id: "\(stored.sender)/\(stored.messageID)",
            timestamp: Date(timeIntervalSince1970: Double(stored.receivedAt ?? stored.sentAt) / 1000),
            senderID: stored.sender.description, senderNickname: stored.senderNickname, text: stored.text,
            delivery: delivery)
    }

    static func peers() -> [PeerRow] {
        ([ChatFixture.big] + ChatFixture.others).map {
            PeerRow(
                id: $0.peerID.description, nickname: $0.nickname, shortFingerprint: $0.fingerprint.short,
                verified: true, roundTripMilliseconds: 0.4)
        }
    }

    /// A screen as the chat starts it, with the big conversation open and its history shown.
    static func screen(_ stored: [StoredMessage], conversation: Store.Conversation, now: Date) -> ChatScreen {
        let model = ChatScreenModel(
            ownNickname: ChatFixture.me.nickname, ownFingerprint: ChatFixture.me.fingerprint.description)
        var screen = ChatScreen(model: model, renderer: ScreenRenderer(theme: Theme(colors: true)))
        _ = screen.apply(.peers(peers()), now: now)
        let id = ConversationID.peer(conversation.description)
        _ = screen.apply(.history(stored.map(screenMessage), in: id), now: now)
        _ = screen.apply(.activate(id), now: now)
        return screen
    }
}
