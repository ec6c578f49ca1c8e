#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Wire

/// What one `/file` or `parley send --file` sends (the sending side's adapter): each path a
/// file, or a directory sent whole, its files named by their path from the directory's parent
/// ("photos/2024/a.jpg"). Hidden entries (a leading dot; receivers would not keep the dot),
/// symbolic links inside a directory (no loops, nothing outside it) and anything not a regular
/// file are skipped and counted. At most `FileLimits.maxBatchFiles` files and
/// `FileLimits.maxBatchBytes` in all.
public struct FileSelection: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        /// Where the file is here.
        public var path: String
        /// What it is offered as.
        public var name: String
        /// Its size when the selection was made.
        public var size: UInt64
    }

    public var items: [Item] = []
    /// Entries inside directories left out: hidden, links, devices, sockets, unreadable.
    public var skipped = 0

    /// Bytes of all the files.
    public private(set) var bytes: UInt64 = 0

    /// The batch announced with each offer: `id`, the file's index, the count and total.
    public func batch(id: UInt64, index: Int) -> FileBatch {
        FileBatch(id: id, index: UInt32(index), count: UInt32(items.count), bytes: bytes)
    }

    /// How the batch is named to people: the lone file's or directory's name, or "N files".
    public var title: String {
        let tops = Set(items.map { String($0.name.split(separator: "/").first ?? "") })
        if items.count == 1 { return items[0].name }
        if tops.count == 1, let top = tops.first { return top + "/" }
        return "\(items.count) files"
    }

    /// The files of `paths` (a leading `~` expanded), in the order given, each directory's
    /// files sorted by name.
    public static func collect(_ paths: [String]) throws(FileProblem) -> FileSelection {
        var selection = FileSelection()
        for given in paths {
            let path = (given as NSString).expandingTildeInPath
            var info = stat()
            guard stat(path, &info) == 0 else { throw .errno("cannot open", path) }
            let base = String(path.split(separator: "/").last ?? "file")
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                try selection.add(Item(path: path, name: base, size: UInt64(info.st_size)))
            case S_IFDIR:
                try selection.walk(path, as: base)
            default:
                throw FileProblem("\(path) is neither a file nor a directory")
            }
        }
        guard !selection.items.isEmpty else { throw FileProblem("nothing to send: no files in \(paths.joined(separator: ", "))") }
        return selection
    }

    private mutating func walk(_ directory: String, as name: String) throws(FileProblem) {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw FileProblem("cannot read the directory \(directory)")
        }
        for entry in entries {
            guard !entry.hasPrefix(".") else {
                skipped += 1
                continue
            }
            let path = directory + "/" + entry
            var info = stat()
            // lstat: a link is skipped, never followed.
            guard lstat(path, &info) == 0 else {
                skipped += 1
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: try add(Item(path: path, name: name + "/" + entry, size: UInt64(info.st_size)))
            case S_IFDIR: try walk(path, as: name + "/" + entry)
            default: skipped += 1
            }
        }
    }

    private mutating func add(_ item: Item) throws(FileProblem) {
        guard items.count < FileLimits.maxBatchFiles else {
            throw FileProblem("more than \(FileLimits.maxBatchFiles) files: send them in several parts")
        }
        guard item.size <= FileLimits.maxFileSize else {
            throw FileProblem("\(item.path) is larger than \(FileLimits.maxFileSize) bytes, the most parley sends")
        }
        guard bytes + item.size <= FileLimits.maxBatchBytes else {
            throw FileProblem("more than \(FileLimits.maxBatchBytes) bytes in all: send them in several parts")
        }
        items.append(item)
        bytes += item.size
    }

    /// `name` within `FileLimits.maxNameBytes`: leading directories dropped first, then the
    /// name's end, never in the middle of a character.
    static func wireName(_ name: String) -> String {
        var parts = name.split(separator: "/").map(String.init)
        while parts.count > 1, parts.joined(separator: "/").utf8.count > FileLimits.maxNameBytes { parts.removeFirst() }
        var bytes = Array(parts.joined(separator: "/").utf8.prefix(FileLimits.maxNameBytes))
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        return bytes.isEmpty ? "file" : String(decoding: bytes, as: UTF8.self)
    }
}
