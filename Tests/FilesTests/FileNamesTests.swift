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
        let (part, have, saved) = try PartFile.open(for: offer, in: directory)
        #expect(part.partPath == directory + "/x.bin.part" && have == nil && saved == nil)
        try part.write(piece: 0, offset: 0, bytes: Array(data[0..<16384]))
        #expect(try part.hashPiece(0) == layer[0])
        var verified = Array(repeating: false, count: offer.pieceCount)
        verified[0] = true
        try part.save(have: verified, layer: layer)
        // Another offer of the same bytes (another transfer, another name): the same partial file.
        let again = FileOffer(transfer: 2, size: offer.size, pieceShift: 14, root: root, name: "other.bin")
        let (resumed, resumedHave, resumedLayer) = try PartFile.open(for: again, in: directory)
        #expect(resumed.partPath == part.partPath && resumedHave == verified && resumedLayer == layer)
        // A byte of a verified piece damaged between runs: that piece is no longer counted.
        let handle = try #require(FileHandle(forUpdatingAtPath: part.partPath))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data([0xEE]))
        try handle.close()
        #expect(try PartFile.open(for: again, in: directory).have == Array(repeating: false, count: offer.pieceCount))
        try part.write(piece: 0, offset: 0, bytes: Array(data[0..<16384]))
        // Other content: a new partial file beside it.
        let other = FileOffer(transfer: 3, size: offer.size, pieceShift: 14, root: Merkle.zero, name: "x.bin")
        #expect(try PartFile.open(for: other, in: directory).file.partPath == directory + "/x (1).bin.part")
        // Finished while x.bin appeared meanwhile: the next free name, nothing overwritten.
        FileManager.default.createFile(atPath: directory + "/x.bin", contents: Data("keep".utf8))
        let final = try resumed.finish()
        #expect(final == directory + "/x (2).bin", "x (1).bin.part holds the other transfer's name")
        #expect(try String(contentsOfFile: directory + "/x.bin", encoding: .utf8) == "keep")
        #expect(!FileManager.default.fileExists(atPath: part.partPath + ".parley"))
    }
}
