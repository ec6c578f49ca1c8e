#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Wire

/// A file being received (the receiving side's adapter): `NAME.part` in the downloads directory
/// until every piece is verified, with `NAME.part.parley` beside it saying what is verified (the
/// piece layer and a have-map), so a later offer of the same content (root and size) resumes
/// from there, whoever sends it. Pieces are written where they belong as chunks come, read back
/// to be hashed; the state is saved only after the data it describes is on disk (fsync first).
public final class PartFile: @unchecked Sendable {
    public let directory: String
    public let partPath: String
    public let offer: FileOffer
    private let descriptor: Int32
    private var statePath: String { partPath + ".parley" }

    /// What a previous transfer left: the pieces verified, and the piece layer they were checked against.
    public struct Saved: Codable, Equatable, Sendable {
        public var version = 1
        public var name: String
        public var size: UInt64
        public var pieceShift: UInt8
        public var root: String
        public var have: String
        public var layer: String

        var haveMap: [Bool] {
            let bytes = [UInt8](Data(base64Encoded: have) ?? Data())
            return (0..<bytes.count * 8).map { bytes[$0 / 8] & (0x80 >> UInt8($0 % 8)) != 0 }
        }
        var layerHashes: [MerkleHash] {
            let bytes = [UInt8](Data(base64Encoded: layer) ?? Data())
            return stride(from: 0, to: bytes.count - bytes.count % 32, by: 32).map { Array(bytes[$0..<$0 + 32]) }
        }
    }

    private init(directory: String, partPath: String, offer: FileOffer, descriptor: Int32) {
        self.directory = directory
        self.partPath = partPath
        self.offer = offer
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The partial file for `offer` in `directory` (created if needed): the one a previous
    /// transfer of the same content left, with its verified pieces and layer, or a new one under
    /// a name no other file or partial file has.
    public static func open(for offer: FileOffer, in directory: String) throws(FileProblem)
        -> (file: PartFile, have: [Bool]?, layer: [MerkleHash]?)
    {
        guard mkdirParents(directory) else { throw .errno("cannot create", directory) }
        if let (path, saved) = findSaved(for: offer, in: directory), let descriptor = openLocked(path, creating: false) {
            let file = PartFile(directory: directory, partPath: path, offer: offer, descriptor: descriptor)
            let layer = saved.layerHashes
            return (file, file.recheck(Array(saved.haveMap.prefix(offer.pieceCount)), layer: layer), layer)
        }
        let name = FileNames.sanitize(offer.name)
        // A partial file of this name without a state: a transfer that ended (a full disk, a
        // kill) before its first save. Taken over, nothing in it trusted, rather than left to
        // take room beside a new one.
        let orphan = "\(directory)/\(name).part"
        if !FileManager.default.fileExists(atPath: orphan + ".parley"), let descriptor = openLocked(orphan, creating: false) {
            guard ftruncate(descriptor, 0) == 0 else {
                close(descriptor)
                throw .errno("cannot truncate", orphan)
            }
            return (PartFile(directory: directory, partPath: orphan, offer: offer, descriptor: descriptor), nil, nil)
        }
        let manager = FileManager.default
        while true {
            let chosen = FileNames.unique(name) { manager.fileExists(atPath: "\(directory)/\($0)") || manager.fileExists(atPath: "\(directory)/\($0).part") }
            let path = "\(directory)/\(chosen).part"
            if let descriptor = openLocked(path, creating: true) {
                return (PartFile(directory: directory, partPath: path, offer: offer, descriptor: descriptor), nil, nil)
            }
            guard errno == EEXIST else { throw .errno("cannot create", path) }
        }
    }

    /// A partial file opened for this transfer alone: locked (`flock`), so that another
    /// transfer, in this process or another, never writes into it at the same time. Nil when it
    /// cannot be opened (errno says why) or another transfer holds it.
    static func openLocked(_ path: String, creating: Bool) -> Int32? {
        let descriptor = creating ? Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o666) : Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    /// The pieces a saved state calls verified, hashed again from the partial file: a file
    /// damaged or changed between runs loses only the pieces that no longer match (fetched
    /// again), and a layer that does not lead to the root vouches for nothing.
    func recheck(_ have: [Bool], layer: [MerkleHash]) -> [Bool] {
        let layerHolds = offer.layerCount > 0 && layer.count == offer.layerCount
            && Merkle.root(ofLayer: layer, pieceShift: offer.pieceShift) == offer.root
        return have.indices.map { piece in
            guard have[piece] else { return false }
            let expected = offer.pieceCount == 1 ? offer.root : (layerHolds ? layer[piece] : nil)
            return expected != nil && (try? hashPiece(piece)) == expected
        }
    }

    /// The file `offer` would be saved as, when it is already there with the same content (size
    /// and Merkle root): a file sent again (a batch resent after an interruption) is not stored
    /// twice. Hashes that file, so it costs one read of it.
    public static func identical(to offer: FileOffer, in directory: String) -> String? {
        let path = "\(directory)/\(FileNames.sanitize(offer.name))"
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, UInt64(info.st_size) == offer.size,
            let existing = try? SourceFile(path: path, transfer: offer.transfer), existing.offer.root == offer.root
        else { return nil }
        return path
    }

    /// The saved state in `directory` for the same content, if any.
    static func findSaved(for offer: FileOffer, in directory: String) -> (String, Saved)? {
        let root = Data(offer.root).base64EncodedString()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        for name in names where name.hasSuffix(".part.parley") {
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path), data.count < 8 << 20,
                let saved = try? JSONDecoder().decode(Saved.self, from: data),
                saved.root == root, saved.size == offer.size, saved.pieceShift == offer.pieceShift
            else { continue }
            return (String(path.dropLast(".parley".count)), saved)
        }
        return nil
    }

    public func write(piece: Int, offset: Int, bytes: [UInt8]) throws(FileProblem) {
        let start = off_t(piece) << off_t(offer.pieceShift) + off_t(offset)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, start + off_t(done)) }
            guard n > 0 else { throw .errno("cannot write", partPath) }
            done += n
        }
    }

    /// Gives back the disk space of every piece not in `have` (holes punched in the file; its
    /// size stays): what a transfer that ended early wrote of pieces it never verified is of
    /// no use, and on a full disk that room lets the state be saved.
    public func release(keeping have: [Bool]) {
        var piece = 0
        while piece < offer.pieceCount {
            guard piece >= have.count || !have[piece] else {
                piece += 1
                continue
            }
            let first = piece
            while piece < offer.pieceCount, piece >= have.count || !have[piece] { piece += 1 }
            let start = off_t(first) << off_t(offer.pieceShift)
            let end = min(off_t(offer.size), off_t(piece) << off_t(offer.pieceShift))
            _ = Self.fallocate?(descriptor, Self.punchHole, start, end - start)
        }
    }

    /// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE (linux/falloc.h).
    static let punchHole: Int32 = 0x02 | 0x01

    /// glibc's `fallocate`, which the Glibc module does not declare (a GNU extension); nil if
    /// the C library lacks it (then no room is given back).
    static let fallocate: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fallocate") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32).self)
    }()

    /// Piece `piece` as written, hashed.
    public func hashPiece(_ piece: Int) throws(FileProblem) -> MerkleHash {
        let length = offer.length(ofPiece: piece)
        var bytes = [UInt8](repeating: 0, count: length)
        let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(piece) << off_t(offer.pieceShift)) }
        guard n == length else { throw n < 0 ? .errno("cannot read", partPath) : FileProblem("\(partPath) is short") }
        return bytes.withUnsafeBytes { Merkle.pieceHash($0, of: offer) }
    }

    /// Makes the data durable, then records `have` and `layer` (written to a temporary file,
    /// synced, renamed over the old state): after a crash the state never claims more than the
    /// disk holds.
    public func save(have: [Bool], layer: [MerkleHash]) throws(FileProblem) {
        guard fsync(descriptor) == 0 else { throw .errno("cannot sync", partPath) }
        var bitmap = [UInt8](repeating: 0, count: (have.count + 7) / 8)
        for (i, bit) in have.enumerated() where bit { bitmap[i / 8] |= 0x80 >> UInt8(i % 8) }
        let saved = Saved(
            name: offer.name, size: offer.size, pieceShift: offer.pieceShift, root: Data(offer.root).base64EncodedString(),
            have: Data(bitmap).base64EncodedString(), layer: Data(layer.flatMap { $0 }).base64EncodedString())
        guard let data = try? JSONEncoder().encode(saved) else { throw FileProblem("cannot encode the transfer state") }
        try Self.writeDurably(data, to: statePath, directory: directory)
    }

    /// Saves the state of a transfer that ended early, whatever room is left: first the room of
    /// pieces never verified is given back; if the state still does not fit (a disk filled by
    /// verified data), the last verified pieces are given up, a few more each time, until it
    /// does. Returns what the saved state calls verified (nil if nothing could be saved).
    public func saveMakingRoom(have: [Bool], layer: [MerkleHash]) -> [Bool]? {
        var have = have
        release(keeping: have)
        // Bytes to free at the next try: about the state's size, doubled each time.
        var room = layer.count * 44 + have.count / 6 + 4096
        for _ in 0..<6 {
            do throws(FileProblem) {
                try save(have: have, layer: layer)
                return have
            } catch {
                var freed = 0
                while freed < room, let last = have.lastIndex(of: true) {
                    have[last] = false
                    freed += offer.length(ofPiece: last)
                }
                guard freed > 0 else { return nil }
                release(keeping: have)
                room *= 2
            }
        }
        return nil
    }

    /// Every piece verified: the data synced, the file given its final name (never over another
    /// file: the next free name), the state removed. Returns the final path.
    public func finish() throws(FileProblem) -> String {
        guard fsync(descriptor) == 0 else { throw .errno("cannot sync", partPath) }
        let base = String(partPath.split(separator: "/").last!.dropLast(".part".count))
        let manager = FileManager.default
        var path: String
        while true {
            // Neither a file nor another transfer's partial file has the name.
            let partPath = self.partPath
            let name = FileNames.unique(base) { name in
                let candidate = "\(directory)/\(name)"
                return manager.fileExists(atPath: candidate)
                    || (candidate + ".part" != partPath && manager.fileExists(atPath: candidate + ".part"))
            }
            path = "\(directory)/\(name)"
            if link(partPath, path) == 0 {
                unlink(partPath)
                break
            }
            if errno == EEXIST { continue }
            // File systems without hard links: a rename, the name checked just before.
            guard !manager.fileExists(atPath: path), rename(partPath, path) == 0 else { throw .errno("cannot rename", partPath) }
            break
        }
        discardState()
        Self.syncDirectory(directory)
        return path
    }

    /// Removes the saved state (the transfer finished), and a temporary one a failed save left.
    public func discardState() {
        unlink(statePath)
        unlink(statePath + ".tmp")
    }

    static func writeDurably(_ data: Data, to path: String, directory: String) throws(FileProblem) {
        let temporary = path + ".tmp"
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .errno("cannot create", temporary) }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else { throw .errno("cannot write", temporary) }
        guard rename(temporary, path) == 0 else { throw .errno("cannot rename", temporary) }
        syncDirectory(directory)
    }

    static func syncDirectory(_ directory: String) {
        let descriptor = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    static func mkdirParents(_ directory: String) -> Bool {
        (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil
    }
}
