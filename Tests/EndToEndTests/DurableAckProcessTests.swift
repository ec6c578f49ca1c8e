import TestSupport
import Foundation
import RunSupport
import Identity
import Store
import Testing

/// An acknowledgement means durable (issue 14, docs/PROTOCOL.md §5.1): real `parley chat`
/// processes, killed with SIGKILL, on a full filesystem, with a damaged history file. Whatever
/// the sender counts as delivered is in the receiver's store; the rest stays in the sender's
/// outbox.
@Suite("Durable acknowledgements, process level", .serialized, .timeLimit(.minutes(6)))
struct DurableAckProcessTests {
    /// Messages queued in the sender's outbox before the receiver comes back.
    static let queued = 1500

    static func peerID(_ name: String, scratch: Scratch) async throws -> PeerID {
        let run = try await ParleyProcess.run(["id", "--nick", name, "--json"], home: scratch.home(name))
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: String]
        return try #require(object?["peerID"].flatMap(PeerID.init))
    }

    /// (a) 1,500 messages queued; the receiver connects and is killed with SIGKILL as soon as it
    /// shows the 400th of them.
    @Test func aReceiverKilledWhileTheOutboxArrivesHasEveryMessageTheSenderCountsDelivered() async throws {
        try await LoadGate.exclusive { try await self.aReceiverKilledWhileTheOutboxArrivesHasEveryMessageTheSenderCountsDeliveredAlone() }
    }

    /// The test itself, run while holding the load gate.
    func aReceiverKilledWhileTheOutboxArrivesHasEveryMessageTheSenderCountsDeliveredAlone() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let alice = try await Self.peerID("alice", scratch: scratch)
        let bob = try await Self.peerID("bob", scratch: scratch)
        do {
            let store = try ParleyStore(directory: scratch.home("alice"))
            for n in 1...Self.queued {
                _ = try store.enqueue(
                    conversation: .direct(bob), sender: alice, senderNickname: "alice", messageID: UInt64(n),
                    sentAt: 1_700_000_000_000, text: "queued \(n)", recipients: [bob])
            }
        }
        let (sender, port) = try await startListener(home: scratch.home("alice"), launcher: ParleyProcess.loadPriority)
        let receiver = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("bob"), launcher: ParleyProcess.loadPriority)
        // Mid-stream: once the 400th is shown (stored), while the rest are on their way.
        try await receiver.waitForLine(containing: "<alice> queued 400", within: 30)
        receiver.signal(SIGKILL)
        _ = try await receiver.exitStatus()
        try await sender.waitForLine(containing: "! session with bob ended", within: 10)
        sender.signal(SIGTERM)
        _ = try await sender.exitStatus()

        let senderStore = try ParleyStore(directory: scratch.home("alice"))
        let pending = Set(try senderStore.pendingOutbox(for: bob).map(\.messageID))
        var delivered: Set<UInt64> = []
        for message in try senderStore.messages(in: .direct(bob), limit: Self.queued + 10)
        where message.delivery?.state == .delivered {
            delivered.insert(message.messageID)
        }
        let receiverStore = try ParleyStore(directory: scratch.home("bob"))
        let stored = Set(try receiverStore.messages(in: .direct(alice), limit: Self.queued + 10).map(\.messageID))
        print(
            "durable kill test: \(Self.queued) queued, \(delivered.count) marked delivered by the sender, "
                + "\(stored.count) stored by the receiver, \(pending.count) still in the sender's outbox")
        #expect(delivered.isSubset(of: stored), "delivered but not stored: \(delivered.subtracting(stored).sorted())")
        #expect(delivered.isDisjoint(with: pending))
        #expect(delivered.union(pending) == Set((1...Self.queued).map(UInt64.init)), "every message is accounted for")
        #expect(!pending.isEmpty, "the kill came before the whole outbox was through")
    }

    /// (b) The receiver's disk fills up: the message is not acknowledged, stays in the sender's
    /// outbox, and arrives once there is room again and the sender reconnects.
    @Test func aReceiverWithAFullDiskDoesNotAcknowledge() async throws {
        guard let disk = try SmallDisk.mount() else { return }
        defer { disk.unmount() }
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let receiverHome = disk.path + "/bob"
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: receiverHome)
        _ = try await Self.peerID("alice", scratch: scratch)
        let (receiver, port) = try await startListener(home: receiverHome, launcher: ParleyProcess.loadPriority)
        let sender = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"), launcher: ParleyProcess.loadPriority)
        try await receiver.waitForLine(containing: "* connected: alice ")
        try await sender.waitForLine(containing: "* connected: bob ")
        sender.type("warm-up")
        try await sender.waitForLine(containing: "#1 delivered to bob")

        try disk.fill()
        sender.type("written to a full disk")
        try await receiver.waitForLine(containing: "! could not store 1 message from alice")
        #expect(receiver.lines.contains { $0.contains("disk is full") })
        #expect(!receiver.lines.contains { $0.contains("<alice> written to a full disk") })
        let outbox = try ParleyStore(directory: scratch.home("alice"))
        let bob = try #require(try outbox.peersWithPendingMessages().first)
        #expect(try outbox.pendingOutbox(for: bob).map(\.text) == ["written to a full disk"])

        // Room again; the sender reconnects and delivers it from its outbox.
        disk.free()
        sender.signal(SIGTERM)
        _ = try await sender.exitStatus()
        #expect(!sender.lines.contains { $0.contains("#2 delivered") })
        let again = try ParleyProcess(["chat", "--connect", "127.0.0.1:\(port)"], home: scratch.home("alice"), launcher: ParleyProcess.loadPriority)
        try await receiver.waitForLine(containing: "<alice> written to a full disk")
        try await again.waitForLine(containing: " delivered to bob")
        #expect(receiver.lines.contains("* messages are stored again"))
        again.signal(SIGTERM)
        _ = try await again.exitStatus()
        receiver.signal(SIGTERM)
        _ = try await receiver.exitStatus()
        #expect(try outbox.peersWithPendingMessages().isEmpty)
    }

    /// (c) The sender's own disk is full: what it types, or gives `parley send`, cannot be
    /// written, which is an error it sees and a non-zero exit, never "waits for a peer" or
    /// "delivered" with exit 0.
    @Test func aSenderWithAFullDiskSaysSoAndExitsNonZero() async throws {
        guard let disk = try SmallDisk.mount() else { return }
        defer { disk.unmount() }
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await Self.peerID("bob", scratch: scratch)
        let (receiver, port) = try await startListener(home: scratch.home("bob"), launcher: ParleyProcess.loadPriority)
        let home = disk.path + "/alice"
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: home)
        let (sender, _) = try await startListener(home: home, launcher: ParleyProcess.loadPriority)
        try disk.fill()

        sender.type("anyone there?")
        try await sender.waitForLine(containing: "! #1 not sent: it could not be written to the history")
        #expect(sender.lines.contains { $0.contains("disk is full") })
        #expect(!sender.lines.contains { $0.contains("waits for a peer") })

        let send = try await ParleyProcess.run(["send", "--to", "127.0.0.1:\(port)", "never written"], home: home)
        #expect(send.status == 1)
        #expect(send.stderr.contains("could not be written to the outbox"), "\(send.stderr)")
        #expect(!send.stdout.contains("delivered"))
        #expect(!receiver.lines.contains { $0.contains("never written") })

        sender.signal(SIGTERM)
        #expect(try await sender.exitStatus() == 1)
        receiver.signal(SIGTERM)
        _ = try await receiver.exitStatus()
    }

    /// `parley send` writes its message to the history and the outbox before it goes out, and
    /// marks it delivered on the acknowledgement, which comes once the receiver stored it.
    @Test func parleySendRecordsItsMessageAndClearsTheOutboxOnceStored() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let alice = try await Self.peerID("alice", scratch: scratch)
        let bob = try await Self.peerID("bob", scratch: scratch)
        let (receiver, port) = try await startListener(home: scratch.home("bob"), launcher: ParleyProcess.loadPriority)
        let send = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:\(port)", "kept on both sides"], home: scratch.home("alice"))
        #expect(send.status == 0, "\(send.stderr)")
        let mine = try ParleyStore(directory: scratch.home("alice"))
        let sent = try mine.messages(in: .direct(bob), limit: 10)
        #expect(sent.map(\.text) == ["kept on both sides"])
        #expect(sent.first?.delivery?.state == .delivered)
        #expect(try mine.pendingOutbox(for: bob).isEmpty)
        let theirs = try ParleyStore(directory: scratch.home("bob"))
        #expect(try theirs.messages(in: .direct(alice), limit: 10).map(\.messageID) == sent.map(\.messageID))
        receiver.signal(SIGTERM)
        _ = try await receiver.exitStatus()
    }

    /// (d) 200 bytes flipped in the history file: the chat refuses to start (so it acknowledges
    /// nothing into the broken file) and says how to recover.
    @Test func aHistoryFileWithFlippedBytesIsRefusedBeforeAnythingIsAcknowledged() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let alice = try await Self.peerID("alice", scratch: scratch)
        _ = try await Self.peerID("bob", scratch: scratch)
        let home = scratch.home("bob")
        do {
            let store = try ParleyStore(directory: home)
            for n in 1...300 {
                try store.recordIncoming(
                    conversation: .direct(alice), sender: alice, senderNickname: "alice", messageID: UInt64(n),
                    sentAt: 1, receivedAt: 1, text: String(repeating: "history ", count: 40))
            }
        }
        let path = ParleyStore.path(inDirectory: home)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 3 * 4096 + 8)
        let original = try #require(try handle.read(upToCount: 200))
        try handle.seek(toOffset: 3 * 4096 + 8)
        try handle.write(contentsOf: Data(original.map { $0 ^ 0xFF }))
        try handle.close()

        let run = try await ParleyProcess.run(["chat", "--listen", "127.0.0.1:0"], home: home)
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(path) is damaged"), "\(run.stderr)")
        #expect(run.stderr.contains("mv \(path) \(path).broken"), "\(run.stderr)")
        #expect(!run.stdout.contains("listening on"), "it never took a connection")
    }
}

/// A small tmpfs for full-disk tests; root only (mount), skipped with a printed reason otherwise.
struct SmallDisk {
    let path: String

    static func mount() throws -> SmallDisk? {
        guard getuid() == 0 else {
            print("skipped: mounting a small tmpfs needs root")
            return nil
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-full-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard run(tool("mount"), ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", path]) == 0 else {
            print("skipped: cannot mount a tmpfs at \(path)")
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
        return SmallDisk(path: path)
    }

    var fillerPath: String { path + "/filler" }

    /// Writes a file until the filesystem has no room left.
    func fill() throws {
        _ = FileManager.default.createFile(atPath: fillerPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fillerPath))
        defer { try? handle.close() }
        let block = Data(repeating: 0x46, count: 4096)
        while (try? handle.write(contentsOf: block)) != nil {}
    }

    func free() {
        try? FileManager.default.removeItem(atPath: fillerPath)
    }

    /// Makes the filesystem `megabytes` large, what is on it kept (a remount).
    func grow(megabytes: Int) throws {
        guard Self.run(Self.tool("mount"), ["-o", "remount,size=\(megabytes)m", path]) == 0 else {
            throw E2EFailure("cannot remount \(path) with \(megabytes) MB")
        }
    }

    func unmount() {
        _ = Self.run(Self.tool("umount"), ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `/usr/bin/NAME`, or `/bin/NAME` where /usr is not merged.
    static func tool(_ name: String) -> String {
        let merged = "/usr/bin/" + name
        return FileManager.default.fileExists(atPath: merged) ? merged : "/bin/" + name
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
