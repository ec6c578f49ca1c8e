import Foundation
import TestSupport
import Testing

/// Files between real processes over loopback: `parley send --file` to a `parley chat`
/// listener, whole and byte-identical; killed with SIGKILL on each side and resumed; refused.
@Suite("Files, process to process", .serialized, .timeLimit(.minutes(6)))
struct FileTransferProcessTests {
    /// A file of `megabytes` MB: one pseudo-random megabyte, repeated with the megabyte's number
    /// in its first bytes, so no two pieces are alike. Cheap even in a debug build: this runs
    /// beside other tests.
    static func makeFile(_ path: String, megabytes: Int, seed: UInt64) async throws {
        try await offThePool { try makeFileNow(path, megabytes: megabytes, seed: seed) }
    }

    static func makeFileNow(_ path: String, megabytes: Int, seed: UInt64) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var block = (0..<1_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for index in 0..<megabytes {
            withUnsafeBytes(of: (UInt64(index) << 16 | seed).bigEndian) { block.replaceSubrange(0..<8, with: $0) }
            try handle.write(contentsOf: block)
        }
    }

    static func identical(_ a: String, _ b: String) async throws -> Bool {
        try await offThePool { identicalNow(a, b) }
    }

    static func identicalNow(_ a: String, _ b: String) -> Bool {
        guard let x = FileHandle(forReadingAtPath: a), let y = FileHandle(forReadingAtPath: b) else { return false }
        defer {
            try? x.close()
            try? y.close()
        }
        while true {
            let p = x.readData(ofLength: 1 << 20)
            let q = y.readData(ofLength: 1 << 20)
            guard p == q else { return false }
            if p.isEmpty { return true }
        }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    @Test func aFileArrivesWholeUnderItsOwnNameAndNothingIsLeftBehind() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let source = scratch.path + "/notes.bin"
        try await Self.makeFile(source, megabytes: 20, seed: 1)
        let downloads = scratch.path + "/downloads"
        // A file of the same name is already there: it is not overwritten.
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: downloads + "/notes.bin", contents: Data("mine".utf8))
        let (bob, port) = try await startListener(
            home: scratch.home("bob"), extra: ["--plain", "--accept-files-from", "any", "--downloads", downloads])
        let sent = try await ParleyProcess.run(
            ["send", "--to", "127.0.0.1:\(port)", "--file", source, "--json"], home: scratch.home("alice"), within: 120)
        #expect(sent.status == 0, "\(sent.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])
        #expect(report["done"] as? Bool == true && report["size"] as? Int == 20_000_000, "\(report)")
        let line = try await bob.waitForLine(containing: "* received notes.bin from alice: ")
        #expect(line.contains(downloads + "/notes (1).bin"), "\(line)")
        #expect(try await Self.identical(source, downloads + "/notes (1).bin"))
        #expect(try String(contentsOfFile: downloads + "/notes.bin", encoding: .utf8) == "mine")
        #expect(try FileManager.default.contentsOfDirectory(atPath: downloads).sorted() == ["notes (1).bin", "notes.bin"])
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0)
    }

    /// 200 MB: the sender killed with SIGKILL mid-transfer and run again, then the receiver
    /// killed with SIGKILL and started again; each run takes up from what was verified, and the
    /// file is byte-identical at the end.
    @Test func aTransferKilledOnEachSideResumesAndEndsIdentical() async throws {
        try await LoadGate.exclusive { try await self.killedOnEachSide() }
    }

    func killedOnEachSide() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let source = scratch.path + "/big.bin"
        try await Self.makeFile(source, megabytes: 200, seed: 2)
        let downloads = scratch.path + "/downloads"
        let part = downloads + "/big.bin.part"
        let listenerArgs = ["--plain", "--accept-files-from", "any", "--downloads", downloads]
        // A load test: its processes at nice 10, so the deadline-driven tests beside it keep the CPU.
        let nice = ParleyProcess.loadPriority
        var (bob, port) = try await startListener(home: scratch.home("bob"), extra: listenerArgs, launcher: nice)
        let send = { (port: Int) in
            try ParleyProcess(
                ["send", "--to", "127.0.0.1:\(port)", "--file", source], home: scratch.home("alice"), launcher: nice)
        }

        // 1. The sender dies once some pieces are saved as verified.
        var alice = try send(port)
        try await waitUntil { FileManager.default.fileExists(atPath: part + ".parley") && Self.size(part) > 30_000_000 }
        alice.signal(SIGKILL)
        _ = try await alice.exitStatus()
        try await bob.waitForLine(containing: "kept to resume", within: 30)

        // 2. The receiver dies in the second run, later on.
        alice = try send(port)
        try await waitUntil { Self.size(part) > 120_000_000 }
        bob.signal(SIGKILL)
        _ = try await bob.exitStatus()
        #expect(try await alice.exitStatus(within: 90) != 0, "the sender reports the lost session")
        #expect(FileManager.default.fileExists(atPath: part + ".parley"))

        // 3. Both again: the transfer ends, identical.
        (bob, port) = try await startListener(home: scratch.home("bob"), extra: listenerArgs, launcher: nice)
        alice = try send(port)
        #expect(try await alice.exitStatus(within: 120) == 0, "\(alice.stderr)")
        let done = try await bob.waitForLine(containing: "* received big.bin from alice: ")
        #expect(done.contains("(resumed at "), "\(done)")
        let sentLine = alice.lines.joined(separator: "\n")
        #expect(sentLine.contains("of it sent, the peer had the rest"), "\(sentLine)")
        #expect(try await Self.identical(source, downloads + "/big.bin"))
        #expect(!FileManager.default.fileExists(atPath: part) && !FileManager.default.fileExists(atPath: part + ".parley"))
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    @Test func aRefusedOfferEndsTheSendWithSix() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let source = scratch.path + "/x.txt"
        FileManager.default.createFile(atPath: source, contents: Data("hello\n".utf8))
        let downloads = scratch.path + "/downloads"
        let (bob, port) = try await startListener(home: scratch.home("bob"), extra: ["--plain", "--downloads", downloads])
        let alice = try ParleyProcess(["send", "--to", "127.0.0.1:\(port)", "--file", source], home: scratch.home("alice"))
        let offer = try await bob.waitForLine(containing: "* alice offers x.txt (6 B, root ", within: 30)
        #expect(offer.hasSuffix("/accept 1 or /reject 1"), "\(offer)")
        bob.type("/reject")
        #expect(try await alice.exitStatus(within: 20) == 6, "\(alice.stderr)")
        #expect(alice.stderr.contains("x.txt: ended by the peer: refused"), "\(alice.stderr)")
        #expect(!FileManager.default.fileExists(atPath: downloads + "/x.txt"))
        bob.signal(SIGTERM)
        _ = try await bob.exitStatus()
    }

    /// The receiver's disk fills mid-transfer (a 4 MB tmpfs, a 6 MB file; root): a clear error
    /// on both sides, the partial file and its state kept (the room of pieces never verified
    /// given back, so the state fits); with room again the same send resumes from what was
    /// verified and the file ends identical, with no second partial file.
    @Test func aFullDiskStopsTheTransferClearlyAndItResumesOnceThereIsRoom() async throws {
        guard let disk = try SmallDisk.mount() else { return }
        defer { disk.unmount() }
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let source = scratch.path + "/big.bin"
        try await Self.makeFile(source, megabytes: 6, seed: 11)
        let downloads = disk.path + "/downloads"
        let (bob, port) = try await startListener(
            home: scratch.home("bob"), extra: ["--plain", "--accept-files-from", "any", "--downloads", downloads])
        let arguments = ["send", "--to", "127.0.0.1:\(port)", "--file", source]
        let full = try await ParleyProcess.run(arguments, home: scratch.home("alice"), within: 60)
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr.contains("big.bin: ended by the peer: the receiver cannot store the file"), "\(full.stderr)")
        let failed = try await bob.waitForLine(containing: "! big.bin from alice: ", within: 30)
        #expect(failed.contains("No space left on device") && failed.hasSuffix("\(downloads)/big.bin.part kept to resume"), "\(failed)")
        try await waitUntil { FileManager.default.fileExists(atPath: downloads + "/big.bin.part.parley") }

        try disk.grow(megabytes: 16)
        let resumed = try await ParleyProcess.run(arguments, home: scratch.home("alice"), within: 60)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let received = try await bob.waitForLine(containing: "* received big.bin from alice: \(downloads)/big.bin, 6.0 MB in ", within: 30)
        #expect(received.contains("(resumed at "), "\(received)")
        #expect(try await Self.identical(source, downloads + "/big.bin"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: downloads) == ["big.bin"])
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0)
    }

    /// A directory and a file in one `parley send`: one question (`/accept` once takes all),
    /// the directory's tree rebuilt under the downloads directory, hidden files left out; sent
    /// again, every file is found already there and nothing is stored twice.
    @Test func aDirectoryAndAFileGoAsOneBatchAndASecondSendStoresNothingTwice() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let manager = FileManager.default
        let tree = scratch.path + "/photos"
        try manager.createDirectory(atPath: tree + "/2024/june", withIntermediateDirectories: true)
        let files = ["photos/a.jpg": 40_000, "photos/2024/b.jpg": 70_000, "photos/2024/june/c.jpg": 1, "photos/empty.txt": 0]
        for (name, size) in files {
            manager.createFile(atPath: scratch.path + "/" + name, contents: Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        }
        manager.createFile(atPath: tree + "/.secret", contents: Data("hidden".utf8))
        let lone = scratch.path + "/notes.txt"
        manager.createFile(atPath: lone, contents: Data("notes\n".utf8))
        let downloads = scratch.path + "/downloads"
        let (bob, port) = try await startListener(home: scratch.home("bob"), extra: ["--plain", "--downloads", downloads])
        let arguments = ["send", "--to", "127.0.0.1:\(port)", "--file", tree, "--file", lone, "--json"]
        let alice = try ParleyProcess(arguments, home: scratch.home("alice"))
        let offer = try await bob.waitForLine(containing: "* alice offers 5 files (110.0 KB; first photos/2024/b.jpg, root ", within: 30)
        #expect(offer.hasSuffix("/accept 1 or /reject 1"), "\(offer)")
        bob.type("/accept 1")
        #expect(try await alice.exitStatus(within: 60) == 0, "\(alice.stderr)")
        #expect(alice.stderr.contains("1 hidden entries, links or special files left out"), "\(alice.stderr)")
        #expect(alice.lines.filter { $0.hasPrefix("{") }.count == 5, "one JSON line per file: \(alice.lines)")
        try await bob.waitForLine(containing: "* received notes.txt (5 of 5) from alice: \(downloads)/notes.txt", within: 30)
        for name in files.keys.sorted() + ["notes.txt"] {
            let source = name == "notes.txt" ? lone : scratch.path + "/" + name
            #expect(try await Self.identical(source, downloads + "/" + name), "\(name)")
        }
        #expect(!manager.fileExists(atPath: downloads + "/photos/.secret") && !manager.fileExists(atPath: downloads + "/photos/secret"))
        #expect(try manager.contentsOfDirectory(atPath: downloads + "/photos").sorted() == ["2024", "a.jpg", "empty.txt"])

        // Again: one question, then every file is already there.
        let again = try ParleyProcess(arguments, home: scratch.home("alice"))
        try await bob.waitForLine(containing: "…): /accept 2 or /reject 2", within: 30)
        bob.type("/accept")
        #expect(try await again.exitStatus(within: 60) == 0, "\(again.stderr)")
        try await bob.waitForLine(containing: "* notes.txt from alice (5 of 5): already here as \(downloads)/notes.txt", within: 30)
        #expect(try manager.contentsOfDirectory(atPath: downloads).sorted() == ["notes.txt", "photos"])
        #expect(try manager.contentsOfDirectory(atPath: downloads + "/photos/2024").sorted() == ["b.jpg", "june"])
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0)
    }

    /// Chat to chat: `/file` on one side, the offer shown and `/accept`ed on the other, both
    /// told how it went; an unknown offer number and a missing file are clear errors.
    @Test func fileAndAcceptBetweenTwoChats() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        _ = try await ParleyProcess.run(["id", "--nick", "bob"], home: scratch.home("bob"))
        _ = try await ParleyProcess.run(["id", "--nick", "alice"], home: scratch.home("alice"))
        let source = scratch.path + "/report final.pdf"
        try await Self.makeFile(source, megabytes: 5, seed: 3)
        let downloads = scratch.path + "/downloads"
        let (bob, port) = try await startListener(home: scratch.home("bob"), extra: ["--plain", "--downloads", downloads])
        let alice = try ParleyProcess(
            ["chat", "--connect", "127.0.0.1:\(port)", "--plain", "--downloads", scratch.path + "/alice-downloads"],
            home: scratch.home("alice"))
        try await alice.waitForLine(containing: "* connected: bob")
        alice.type("/file bob \(source)")
        // Hashing takes a moment, more beside the 200 MB test's disk traffic.
        try await alice.waitForLine(containing: "* offered report final.pdf (5.0 MB) to bob; waiting for bob to accept", within: 30)
        try await bob.waitForLine(containing: "* alice offers report final.pdf (5.0 MB, root ", within: 30)
        bob.type("/accept 7")
        try await bob.waitForLine(containing: "! /accept: no file offer 7")
        bob.type("/accept")
        let received = try await bob.waitForLine(containing: "* received report final.pdf from alice: ", within: 60)
        #expect(received.contains(downloads + "/report final.pdf"), "\(received)")
        try await alice.waitForLine(containing: "* sent report final.pdf to bob: 5.0 MB in ", within: 30)
        #expect(try await Self.identical(source, downloads + "/report final.pdf"))
        // A directory and, quoted, the file already sent: one question, and that file is found
        // already there.
        try FileManager.default.createDirectory(atPath: scratch.path + "/notes", withIntermediateDirectories: true)
        for name in ["x.txt", "y.txt"] { FileManager.default.createFile(atPath: scratch.path + "/notes/" + name, contents: Data(name.utf8)) }
        alice.type("/file bob \(scratch.path)/notes '\(source)'")
        try await alice.waitForLine(containing: "* offered 3 files (5.0 MB) to bob; waiting for bob to accept", within: 30)
        try await bob.waitForLine(containing: "* alice offers 3 files (5.0 MB; first notes/x.txt, root ", within: 30)
        bob.type("/accept 2")
        try await bob.waitForLine(containing: "* report final.pdf from alice (3 of 3): already here as \(downloads)/report final.pdf", within: 30)
        try await alice.waitForLine(containing: "* sent 3 files (5.0 MB) to bob in ", within: 30)
        #expect(try String(contentsOfFile: downloads + "/notes/y.txt", encoding: .utf8) == "y.txt")
        // Offered and waiting: /files lists it on both sides; /cancel withdraws it.
        alice.type("/files")
        try await alice.waitForLine(containing: "* no file transfers and no offers")
        alice.type("/file bob \(scratch.path)/notes/x.txt")
        try await bob.waitForLine(containing: "* alice offers x.txt (5 B, root ", within: 30)
        bob.type("/files")
        try await bob.waitForLine(containing: "* offer 3: alice offers x.txt (5 B): /accept 3 or /reject 3")
        alice.type("/files")
        // Numbered in the order transfers started: the fifth file alice offered.
        try await alice.waitForLine(containing: "* 5 ↑ x.txt to bob: 0% of 5 B")
        alice.type("/cancel 9")
        try await alice.waitForLine(containing: "! /cancel: no file transfer 9")
        alice.type("/cancel")
        try await alice.waitForLine(containing: "! x.txt to bob: ended: cancelled", within: 30)
        try await bob.waitForLine(containing: "* x.txt: withdrawn by the sender", within: 30)
        alice.type("/file bob 'unclosed")
        try await alice.waitForLine(containing: "! /file: a quote is left open in 'unclosed")
        alice.type("/file bob \(scratch.path)/missing.bin")
        try await alice.waitForLine(containing: "! /file: cannot open \(scratch.path)/missing.bin: No such file or directory")
        alice.closeInput()
        #expect(try await alice.exitStatus() == 0)
        bob.signal(SIGTERM)
        #expect(try await bob.exitStatus() == 0)
    }

    /// Polls `condition` every 20 ms for up to 60 s.
    func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(60)
        while !condition() {
            guard Date() < deadline else { throw E2EFailure("condition not met within 60 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
