import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a parley home for one chat at a time: `flock` on `chat.lock` in the
/// home, holding the holder's process ID. The kernel drops it when the process ends, however it
/// ends (kill -9 included), so a crashed chat never leaves a stale lock; the descriptor is closed
/// on exec, so no child ever inherits it.
public final class HomeLock: Sendable {
    public static let fileName = "chat.lock"

    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock on `directory`, or fails with a message naming the chat that holds it.
    public static func acquire(directory: String) throws(Failure) -> HomeLock {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(message: "cannot open \(path): \(String(cString: strerror(errno)))", code: .failure)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let holder = busy ? readHolder(fd) : nil
            close(fd)
            guard busy else {
                throw Failure(message: "cannot lock \(path): \(String(cString: strerror(errno)))", code: .failure)
            }
            throw Failure(
                message: "another parley chat is using \(directory)"
                    + (holder.map { " (process \($0))" } ?? "")
                    + ": quit it first, or give this one another --home",
                code: .failure)
        }
        // Ours now: say who holds it, for the next one that tries.
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return HomeLock(descriptor: fd)
    }

    /// Releases the lock (also done by the kernel when the process exits).
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func readHolder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
