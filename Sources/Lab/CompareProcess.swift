import Foundation
import RunSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A `parley lab-node` (or relay) child process seen from the orchestrator: commands in as
/// JSON lines, events out, stderr kept for error messages.
final class LabProcess: @unchecked Sendable {
    let label: String
    let pid: Int32
    private let process: ChildProcess
    private let input: LineWriter
    private let inbox: LabInbox
    private let stderrTail: StderrTail
    private let exited: Task<Int32, Never>
    /// Kept open for as long as this object lives.
    private let pipes: (Pipe, Pipe, Pipe)

    /// Starts `executable arguments…`; nothing of the caller's terminal is shared but stderr's
    /// last lines, kept for messages.
    init(label: String, executable: String, arguments: [String]) throws(LabFailure) {
        self.label = label
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let (status, statusContinuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { statusContinuation.yield($0.terminationStatus) }
        do {
            try process.run()
        } catch {
            throw LabFailure(message: "cannot start \(executable): \(error)")
        }
        self.process = process
        pid = process.processIdentifier
        input = LineWriter(fd: stdin.fileHandleForWriting.fileDescriptor)
        pipes = (stdin, stdout, stderr)
        let inbox = LabInbox()
        let tail = StderrTail()
        self.inbox = inbox
        stderrTail = tail
        Task {
            for await line in LineStream.lines(from: stdout.fileHandleForReading.fileDescriptor) {
                await inbox.deliver(line)
            }
            await inbox.end()
        }
        Task {
            for await line in LineStream.lines(from: stderr.fileHandleForReading.fileDescriptor) { tail.append(line) }
        }
        exited = Task {
            for await code in status { return code }
            return -1
        }
    }

    /// Sends a command without waiting for an answer.
    func send(_ command: LabCommand) {
        input.write(LabLines.encode(command))
    }

    /// Sends a command and returns the next event (its answer); an `.error` event, the end of
    /// the process or the time running out is thrown.
    func request(_ command: LabCommand, timeout: Duration) async throws(LabFailure) -> LabEvent {
        send(command)
        return try await next(timeout: timeout)
    }

    /// The next event the process prints.
    func next(timeout: Duration) async throws(LabFailure) -> LabEvent {
        let line = try await nextLine(timeout: timeout)
        let event = try LabLines.decode(LabEvent.self, from: line)
        if case .error(let failure) = event { throw LabFailure(message: "\(label): \(failure.message)") }
        return event
    }

    /// The next line the process prints, as it is (for processes that do not speak the lab
    /// protocol, such as the relay).
    func nextLine(timeout: Duration) async throws(LabFailure) -> String {
        guard let line = await inbox.next(timeout: timeout) else {
            let reason = await inbox.isEnded ? "exited" : "did not answer within \(timeout.secondsText)"
            throw LabFailure(message: "\(label) \(reason)\(stderrTail.suffix)")
        }
        return line
    }

    /// Sends `signal`, unless the process has exited (its ID may belong to another by now).
    func kill(_ signal: Int32 = SIGKILL) {
        process.signal(signal)
    }

    /// Waits for the exit, killing the process when it takes longer than `grace`.
    @discardableResult
    func waitForExit(grace: Duration) async -> Int32 {
        // The exit and the grace timer are children of this call: the exit comes either way (by
        // itself, or after the kill), and it ends the timer.
        await withTaskGroup(of: Int32?.self) { [exited, process] group in
            group.addTask { await exited.value }
            group.addTask {
                guard (try? await Task.sleep(for: grace)) != nil else { return nil }
                process.kill()
                return nil
            }
            var status: Int32 = -1
            for await result in group {
                guard let result else { continue }
                status = result
                group.cancelAll()
            }
            return status
        }
    }

    /// Asks a lab node to stop and waits for it; kills it after `grace`.
    func stop(grace: Duration = .seconds(3)) async {
        send(.stop)
        await waitForExit(grace: grace)
    }
}

/// Lines from a process, handed out one at a time to whoever waits.
actor LabInbox {
    private var queued: [String] = []
    private var waiter: CheckedContinuation<String?, Never>?
    private(set) var isEnded = false

    func deliver(_ line: String) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: line)
        } else {
            queued.append(line)
        }
    }

    func end() {
        isEnded = true
        waiter?.resume(returning: nil)
        waiter = nil
    }

    /// The next line, or nil at the end or after `timeout`.
    func next(timeout: Duration) async -> String? {
        if !queued.isEmpty { return queued.removeFirst() }
        if isEnded { return nil }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.timeOut()
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiter = $0 }
    }

    private func timeOut() {
        waiter?.resume(returning: nil)
        waiter = nil
    }
}

/// The last lines a process wrote on stderr.
final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        lines.append(line)
        if lines.count > 10 { lines.removeFirst() }
    }

    /// ": last line" or "".
    var suffix: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.last.map { ": \($0)" } ?? ""
    }
}
