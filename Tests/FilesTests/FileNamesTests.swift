import Files
import Foundation
import Testing
import Wire

@Suite("Received file names and partial files")
struct FileNamesTests {
    @Test(arguments: [
        ("notes.txt", "notes.txt"), ("../../etc/passwd", "passwd"), ("/etc/shadow", "shadow"), ("a\\b\\c.txt", "c.txt"),
        ("..", "file"), (".", "file"), ("", "file"), ("...", "file"), (".bashrc", "bashrc"), ("a\u{0}b", "ab"),
        ("evil\u{202E}txt.exe", "eviltxt.exe"), ("bell\u{07}\u{1B}[2J.txt", "bell[2J.txt"), ("  spaced  ", "spaced"),
        ("dir/", "dir"), ("résumé ✓.pdf", "résumé ✓.pdf"),
    ])
    func namesAreMadeSafe(offered: String, kept: String) {
        #expect(FileNames.sanitize(offered) == kept)
    }

    @Test func longNamesAreCutOnACharacterBoundary() {
        let name = String(repeating: "é", count: 150)  // 300 bytes
        let kept = FileNames.sanitize(name)
        #expect(kept.utf8.count <= FileNames.maxBytes && kept.utf8.count >= FileNames.maxBytes - 1)
        #expect(kept.allSatisfy { $0 == "é" })
    }

    @Test func aTakenNameGetsTheNextFreeNumber() {
        let taken: Set = ["a.txt", "a (1).txt", "noext"]
        #expect(FileNames.unique("a.txt") { taken.contains($0) } == "a (2).txt")
        #expect(FileNames.unique("noext") { taken.contains($0) } == "noext (1)")
        #expect(FileNames.unique("free.txt") { taken.contains($0) } == "free.txt")
    }

    @Test func aPartialFileIsFoundAgainForTheSameContentAndFinishesUnderAFreeName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-part-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = [UInt8](repeating: 3, count: 100_000)
        var hasher = PieceHasher(pieceShift: 14)
        data.withUnsafeBytes { hasher.update($0) }
        let (root, layer) = hasher.finish()
        let offer = FileOffer(transfer: 1, size: UInt64(data.count), pieceShift: 14, root: root, name: "../x.bin")
        let partPath = directory + "/x.bin.part"
        var verified = Array(repeating: false, count: offer.pieceCount)
        verified[0] = true
        do {
            let (part, have, saved) = try PartFile.open(for: offer, in: directory)
            #expect(part.partPath == partPath && have == nil && saved == nil)
            try part.write(piece: 0, offset: 0, bytes: Array(data[0..<16384]))
            #expect(try part.hashPiece(0) == layer[0])
            try part.save(have: verified, layer: layer)
        }
        // Another offer of the same bytes (another transfer, another name): the same partial file.
        let again = FileOffer(transfer: 2, size: offer.size, pieceShift: 14, root: root, name: "other.bin")
        do {
            let (resumed, resumedHave, resumedLayer) = try PartFile.open(for: again, in: directory)
            #expect(resumed.partPath == partPath && resumedHave == verified && resumedLayer == layer)
            // While one transfer has it open (locked), another of the same content starts apart.
            let beside = try PartFile.open(for: again, in: directory).file
            #expect(beside.partPath == directory + "/other.bin.part")
            unlink(beside.partPath)
        }
        // A byte of a verified piece damaged between runs: that piece is no longer counted.
        let handle = try #require(FileHandle(forUpdatingAtPath: partPath))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data([0xEE]))
        try handle.close()
        do {
            let (damaged, have, _) = try PartFile.open(for: again, in: directory)
            #expect(have == Array(repeating: false, count: offer.pieceCount))
            try damaged.write(piece: 0, offset: 0, bytes: Array(data[0..<16384]))
        }
        // Other content: a new partial file beside it (the one there has a state: not an orphan).
        let other = FileOffer(transfer: 3, size: offer.size, pieceShift: 14, root: Merkle.zero, name: "x.bin")
        let otherPart = try PartFile.open(for: other, in: directory).file
        #expect(otherPart.partPath == directory + "/x (1).bin.part")
        // Finished while x.bin appeared meanwhile: the next free name, nothing overwritten.
        FileManager.default.createFile(atPath: directory + "/x.bin", contents: Data("keep".utf8))
        let final = try PartFile.open(for: again, in: directory).file.finish()
        #expect(final == directory + "/x (2).bin", "x (1).bin.part holds the other transfer's name")
        #expect(try String(contentsOfFile: directory + "/x.bin", encoding: .utf8) == "keep")
        #expect(!FileManager.default.fileExists(atPath: partPath + ".parley"))
    }

    /// A partial file left without a state (the transfer ended before its first save) is taken
    /// over by the next transfer of that name, emptied, instead of a second one beside it.
    @Test func aPartialFileWithoutAStateIsTakenOverEmpty() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-orphan-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/a.bin.part", contents: Data(repeating: 9, count: 50_000))
        let offer = FileOffer(transfer: 1, size: 20_000, pieceShift: 14, root: Merkle.zero, name: "a.bin")
        let (part, have, _) = try PartFile.open(for: offer, in: directory)
        #expect(part.partPath == directory + "/a.bin.part" && have == nil)
        #expect(try FileManager.default.attributesOfItem(atPath: part.partPath)[.size] as? Int == 0)
    }

    /// A transfer that ended early on a full disk: the state is saved, giving up the last
    /// verified pieces when nothing else makes room, and the room of unverified ones is freed.
    @Test func theStateOfAnEndedTransferIsSavedMakingRoom() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-room-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = [UInt8](repeating: 5, count: 4 * 16384)
        var hasher = PieceHasher(pieceShift: 14)
        data.withUnsafeBytes { hasher.update($0) }
        let (root, layer) = hasher.finish()
        let offer = FileOffer(transfer: 1, size: UInt64(data.count), pieceShift: 14, root: root, name: "r.bin")
        let part = try PartFile.open(for: offer, in: directory).file
        try part.write(piece: 0, offset: 0, bytes: data)
        let saved = part.saveMakingRoom(have: [true, true, false, false], layer: layer)
        #expect(saved == [true, true, false, false])
        var info = stat()
        #expect(stat(part.partPath, &info) == 0)
        // Two pieces of 16 KiB kept (the file's size stays); the unverified two freed.
        #expect(info.st_size == 4 * 16384 && info.st_blocks * 512 <= 2 * 16384 + 4096, "\(info.st_blocks) blocks")
    }
}
