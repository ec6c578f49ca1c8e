import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The few POSIX file operations the key store needs, with errors turned into `IdentityError`.
enum FileOps {
    /// The permission bits of `path`, nil when it does not exist.
    static func mode(of path: String) throws(IdentityError) -> UInt32? {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT { return nil }
            throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        return UInt32(info.st_mode) & 0o7777
    }

    static func readIfExists(_ path: String) throws(IdentityError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotRead(path: path, reason: "permission denied or not a regular file")
        }
        return Array(data)
    }

    /// Writes `bytes` to a new file at `path` with `mode`, never replacing an existing one.
    /// Returns false when the file already exists. The file appears whole or not at all.
    static func createExclusively(_ bytes: [UInt8], at path: String, mode: mode_t) throws(IdentityError) -> Bool {
        let temp = try writeTemporary(bytes, near: path, mode: mode)
        defer { unlink(temp) }
        if link(temp, path) != 0 {
            if errno == EEXIST { return false }
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        return true
    }

    /// Replaces `path` with `bytes` atomically.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws(IdentityError) {
        let temp = try writeTemporary(bytes, near: path, mode: mode)
        if rename(temp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw .cannotWrite(path: path, reason: reason)
        }
    }

    private static func writeTemporary(_ bytes: [UInt8], near path: String, mode: mode_t) throws(IdentityError)
        -> String
    {
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temp)
                throw .cannotWrite(path: path, reason: reason)
            }
            written += n
        }
        // The umask may have narrowed the mode; set exactly what was asked.
        fchmod(fd, mode)
        let synced = fsync(fd) == 0
        close(fd)
        guard synced else {
            unlink(temp)
            throw .cannotWrite(path: path, reason: "fsync failed (disk full?)")
        }
        return temp
    }
}
