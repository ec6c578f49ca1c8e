import Files
import Foundation
import Testing
import Wire

/// Several files and directories in one offer (docs/PROTOCOL.md §15.3): what the sender picks,
/// what the receiver keeps of a path, and which later offers ride on an accepted batch.
@Suite("File batches")
struct FileBatchTests {
    @Test(arguments: [
        ("a.jpg", [String]()), ("photos/2024/a.jpg", ["photos", "2024"]), ("../../etc/passwd", ["etc"]),
        ("/abs/x", ["abs"]), ("a/./b/../c/x", ["a", "b", "c"]), (".git/config", ["git"]), ("a\\b\\x", ["a", "b"]),
        ("evil\u{202E}dir/x", ["evildir"]), ("//x", []),
    ])
    func directoriesOfAnOfferedPathStayInside(offered: String, kept: [String]) {
        #expect(FileNames.directories(of: offered) == kept)
        #expect(FileNames.relativePath(offered) == (kept + [FileNames.sanitize(offered)]).joined(separator: "/"))
    }

    @Test func aDeepPathKeepsSixteenDirectories() {
        let deep = (0..<40).map { "d\($0)" }.joined(separator: "/") + "/x.txt"
        let kept = FileNames.directories(of: deep)
        #expect(kept == (0..<16).map { "d\($0)" })
    }

    static func offer(batch id: UInt64, index: UInt32, count: UInt32, bytes: UInt64, size: UInt64 = 10) -> FileOffer {
        FileOffer(
            transfer: UInt64(index) + 1000, size: size, pieceShift: 16, root: Merkle.zero, name: "d/f\(index)",
            batch: FileBatch(id: id, index: index, count: count, bytes: bytes))
    }

    @Test func anAcceptedBatchTakesItsNextFilesInOrderWithinItsTerms() {
        var book = FileBatchBook<String>()
        // Before anything is accepted, every offer is asked about.
        #expect(book.admit(Self.offer(batch: 7, index: 1, count: 3, bytes: 30), from: "alice") == .ask)
        book.accepted(Self.offer(batch: 7, index: 0, count: 3, bytes: 30), from: "alice")
        // Another peer (session) claiming the batch is asked about; the right one is taken.
        #expect(book.admit(Self.offer(batch: 7, index: 1, count: 3, bytes: 30), from: "mallory") == .ask)
        #expect(book.admit(Self.offer(batch: 7, index: 1, count: 3, bytes: 30), from: "alice") == .take(index: 1, count: 3, last: false))
        #expect(book.admit(Self.offer(batch: 7, index: 2, count: 3, bytes: 30), from: "alice") == .take(index: 2, count: 3, last: true))
        // Done: the batch is forgotten, a replay is asked about again.
        #expect(book.count == 0)
        #expect(book.admit(Self.offer(batch: 7, index: 2, count: 3, bytes: 30), from: "alice") == .ask)
    }

    @Test(arguments: [
        offer(batch: 7, index: 2, count: 3, bytes: 30),  // skips a file
        offer(batch: 7, index: 1, count: 4, bytes: 40),  // another count
        offer(batch: 7, index: 1, count: 3, bytes: 30, size: 21),  // more than the batch has left
    ])
    func anOfferBreakingTheBatchsTermsIsRefusedAndEndsIt(offer: FileOffer) {
        var book = FileBatchBook<String>()
        book.accepted(Self.offer(batch: 7, index: 0, count: 3, bytes: 30), from: "alice")
        #expect(book.admit(offer, from: "alice") == .refuse)
        #expect(book.admit(Self.offer(batch: 7, index: 1, count: 3, bytes: 30), from: "alice") == .ask)
    }

    @Test func theBookIsBoundedAndForgetsASessionsBatches() {
        var book = FileBatchBook<Int>()
        for id in 0..<100 { book.accepted(Self.offer(batch: UInt64(id), index: 0, count: 2, bytes: 20), from: id % 2) }
        #expect(book.count == FileBatchBook<Int>.capacity)
        // The oldest went first.
        #expect(book.admit(Self.offer(batch: 0, index: 1, count: 2, bytes: 20), from: 0) == .ask)
        #expect(book.admit(Self.offer(batch: 99, index: 1, count: 2, bytes: 20), from: 1) == .take(index: 1, count: 2, last: true))
        book.forget(0)
        #expect(book.count == FileBatchBook<Int>.capacity / 2 - 1)
        // A lone file is never remembered.
        book.accepted(Self.offer(batch: 500, index: 0, count: 1, bytes: 10), from: 1)
        #expect(book.count == FileBatchBook<Int>.capacity / 2 - 1)
    }

    @Test func aSelectionWalksDirectoriesInOrderAndLeavesOutHiddenEntriesAndLinks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("parley-sel-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let manager = FileManager.default
        for directory in ["photos/2024", "photos/.cache", "other"] {
            try manager.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        for (path, size) in [("photos/b.jpg", 3), ("photos/2024/a.jpg", 5), ("photos/.hidden", 1), ("photos/.cache/x", 1), ("other/lone.txt", 7)] {
            manager.createFile(atPath: "\(root)/\(path)", contents: Data(repeating: 1, count: size))
        }
        try manager.createSymbolicLink(atPath: "\(root)/photos/link", withDestinationPath: "\(root)/other")
        let selection = try FileSelection.collect(["\(root)/photos", "\(root)/other/lone.txt"])
        #expect(selection.items.map(\.name) == ["photos/2024/a.jpg", "photos/b.jpg", "lone.txt"])
        #expect(selection.items.map(\.path) == ["\(root)/photos/2024/a.jpg", "\(root)/photos/b.jpg", "\(root)/other/lone.txt"])
        #expect(selection.bytes == 15 && selection.skipped == 3)
        #expect(selection.title == "3 files")
        #expect(try FileSelection.collect(["\(root)/photos"]).title == "photos/")
        #expect(selection.batch(id: 9, index: 2) == FileBatch(id: 9, index: 2, count: 3, bytes: 15))
        // The offer of a file carries its relative name and batch.
        let source = try SourceFile(path: selection.items[0].path, transfer: 1, name: selection.items[0].name, batch: selection.batch(id: 9, index: 0))
        #expect(source.offer.name == "photos/2024/a.jpg" && source.offer.batch.count == 3)
        #expect(throws: FileProblem.self) { try FileSelection.collect(["\(root)/missing"]) }
        try manager.createDirectory(atPath: "\(root)/empty/.only-hidden", withIntermediateDirectories: true)
        #expect(throws: FileProblem("nothing to send: no files in \(root)/empty")) { try FileSelection.collect(["\(root)/empty"]) }
    }

    @Test func aFileAlreadyThereWithTheSameContentIsFoundNotStoredTwice() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-same-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/a.bin"
        FileManager.default.createFile(atPath: path, contents: Data((0..<200_000).map { UInt8($0 % 251) }))
        let offer = try SourceFile(path: path, transfer: 5, name: "elsewhere/a.bin").offer
        #expect(PartFile.identical(to: offer, in: directory) == path)
        var other = offer
        other.root = Merkle.zero
        #expect(PartFile.identical(to: other, in: directory) == nil)
        other = offer
        other.name = "b.bin"
        #expect(PartFile.identical(to: other, in: directory) == nil)
    }
}
