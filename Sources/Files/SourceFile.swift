#if canImport(Glibc)
    import Glibc
#endif
import Wire

/// A file being offered (the sending side's adapter): opened once, hashed front to back for its
/// root and piece layer, then read piece by piece as the receiver asks. `unchanged()` tells
/// whether the file still is what was hashed (size, modification time, inode).
public final class SourceFile: @unchecked Sendable {
    public let path: String
    public let offer: FileOffer
    public let layer: [MerkleHash]
    private let descriptor: Int32
    private let identity: FileIdentity

    /// Reads in pieces of this size while hashing.
    static let hashingRead = 1 << 20

    /// Opens and hashes the file at `path`, offered as `name` (by default its last path
    /// component) in `batch` (by default a batch of one).
    public init(path: String, transfer: TransferID, name: String? = nil, batch: FileBatch? = nil) throws(FileProblem) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .errno("cannot open", path) }
        do throws(FileProblem) {
            (identity, offer, layer) = try Self.hash(descriptor, path: path, transfer: transfer, name: name, batch: batch)
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
    }

    private static func hash(_ descriptor: Int32, path: String, transfer: TransferID, name: String?, batch: FileBatch?) throws(FileProblem)
        -> (FileIdentity, FileOffer, [MerkleHash])
    {
        let identity = try FileIdentity(descriptor: descriptor, path: path)
        guard identity.isRegular else { throw FileProblem("\(path) is not a regular file") }
        guard identity.size <= FileLimits.maxFileSize else {
            throw FileProblem("\(path) is larger than \(FileLimits.maxFileSize) bytes, the most parley sends")
        }
        let shift = FileLimits.pieceShift(forSize: identity.size)
        var hasher = PieceHasher(pieceShift: shift)
        var buffer = [UInt8](repeating: 0, count: Self.hashingRead)
        var offset: UInt64 = 0
        while offset < identity.size {
            let count = buffer.withUnsafeMutableBytes { raw in
                let n = pread(descriptor, raw.baseAddress, raw.count, off_t(offset))
                if n > 0 { hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
                return n
            }
            guard count >= 0 else { throw .errno("cannot read", path) }
            guard count > 0 else { break }
            offset += UInt64(count)
        }
        guard offset == identity.size, try FileIdentity(descriptor: descriptor, path: path) == identity else {
            throw FileProblem("\(path) changed while it was being hashed")
        }
        let (root, layer) = hasher.finish()
        if let batch, identity.size > batch.bytes {
            throw FileProblem("\(path) grew since the batch was put together")
        }
        let offer = FileOffer(
            transfer: transfer, size: identity.size, pieceShift: shift, root: root,
            name: FileSelection.wireName(name ?? String(path.split(separator: "/").last ?? "file")), batch: batch)
        return (identity, offer, layer)
    }

    deinit { close(descriptor) }

    /// The file still is the one hashed: same size, modification time and inode, by the open
    /// descriptor and by its path.
    public func unchanged() -> Bool {
        (try? FileIdentity(descriptor: descriptor, path: path)) == identity
    }

    /// `count` bytes of piece `piece` from `offset` in it.
    public func read(_ plan: FileChunkPlan) throws(FileProblem) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: plan.count)
        let start = off_t(plan.piece) << off_t(offer.pieceShift) + off_t(plan.offset)
        let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, plan.count, start) }
        guard n == plan.count else {
            throw n < 0 ? .errno("cannot read", path) : FileProblem("\(path) is shorter than when it was offered")
        }
        return bytes
    }
}

/// What says a file is still the same one: size, modification time (nanoseconds), inode.
struct FileIdentity: Equatable {
    var size: UInt64
    var modified: Int64
    var inode: UInt64
    var isRegular: Bool

    init(descriptor: Int32, path: String) throws(FileProblem) {
        var open = stat()
        guard fstat(descriptor, &open) == 0 else { throw .errno("cannot stat", path) }
        var named = stat()
        guard stat(path, &named) == 0 else { throw .errno("cannot stat", path) }
        guard named.st_ino == open.st_ino, named.st_dev == open.st_dev else {
            throw FileProblem("\(path) was replaced")
        }
        size = UInt64(open.st_size)
        modified = Int64(open.st_mtim.tv_sec) * 1_000_000_000 + Int64(open.st_mtim.tv_nsec)
        inode = UInt64(open.st_ino)
        isRegular = (open.st_mode & S_IFMT) == S_IFREG
    }
}
