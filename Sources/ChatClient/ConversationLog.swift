import ChatModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Plain-text logs of every conversation (`parley chat --log-dir DIR`), beside the history
/// database, which stays the record: a log is for reading and grepping, written as messages are
/// shown (received ones once stored, ours once in the outbox), never synced. The layout is
/// `ConversationLogFormat`'s. The directory is created with mode 700 and each file with mode 600;
/// each message is appended with one `write` to a file opened for it (`O_APPEND`, `O_NOFOLLOW`),
/// so no descriptor stays open however many peers there are.
public final class ConversationLog: @unchecked Sendable {
    public let directory: String
    private let format: ConversationLogFormat
    private let lock = NSLock()
    /// Peer ID → nickname and fingerprint, from the peers list.
    private var peers: [String: (nickname: String, fingerprint: String)] = [:]
    /// The file each conversation writes to in this run (a peer renamed keeps its file).
    private var files: [ConversationID: String] = [:]
    /// The day of the last line written to each file this run.
    private var lastDay: [String: DateComponents] = [:]
    /// Set after a failed write, cleared by the next successful one: the failure is said once.
    private var failing = false

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates `directory` (mode 700) when missing; throws when it cannot be made or written.
    public init(directory: String, timeZone: TimeZone = .current) throws {
        self.directory = directory
        format = ConversationLogFormat(timeZone: timeZone)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Failure(description: "cannot create the log directory \(directory): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw Failure(description: "the log directory \(directory) is a file")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw Failure(description: "cannot write to the log directory \(directory): \(String(cString: strerror(errno)))")
        }
    }

    /// Takes what one output shows: peer names from the peers list, messages appended to their
    /// conversation's file. Returns a line to show when writing fails, once until a write works.
    public func record(_ updates: [ModelUpdate], now: Date = Date()) -> String? {
        lock.withLock {
            var problem: String?
            for update in updates {
                switch update {
                case .peers(let rows):
                    for row in rows { peers[row.id] = (row.nickname, row.shortFingerprint) }
                case .message(let message, let id) where message.kind == .chat:
                    problem = append(message, to: id, now: now) ?? problem
                default:
                    continue
                }
            }
            return problem
        }
    }

    private func append(_ message: ChatMessage, to id: ConversationID, now: Date) -> String? {
        let name = files[id] ?? fileName(for: id)
        files[id] = name
        var lines: [String] = []
        let previous = lastDay[name]
        if previous == nil { lines.append(format.opened(at: now)) }
        lines += format.lines(for: message, after: previous ?? format.day(of: now))
        let path = directory + "/" + name
        if let error = Self.append(lines.joined(separator: "\n") + "\n", to: path) {
            guard !failing else { return nil }
            failing = true
            return "could not write the conversation log \(path): \(error); the history database still has every message"
        }
        failing = false
        lastDay[name] = format.day(of: message.timestamp)
        return nil
    }

    private func fileName(for id: ConversationID) -> String {
        guard case .peer(let peerID) = id else { return ConversationLogFormat.roomFile }
        let peer = peers[peerID]
        return ConversationLogFormat.fileName(for: id, nickname: peer?.nickname, fingerprint: peer?.fingerprint)
    }

    /// Appends `text` with one `write`; the error text, or nil.
    private static func append(_ text: String, to path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 { return String(cString: strerror(errno)) }
        return written == bytes.count ? nil : "only \(written) of \(bytes.count) bytes written (disk full?)"
    }
}

/// Shows everything on `inner` and writes the messages to `log`; a failure to write the log is
/// shown as an error line, once.
public struct LoggingDisplay: ChatDisplay {
    let inner: any ChatDisplay
    let log: ConversationLog

    public init(_ inner: any ChatDisplay, log: ConversationLog) {
        self.inner = inner
        self.log = log
    }

    public func show(_ output: ChatOutput) {
        inner.show(output)
        if let problem = log.record(output.updates) { inner.show(.error(problem)) }
    }
}
