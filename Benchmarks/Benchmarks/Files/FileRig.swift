import Benchmark
import FileTransfer
import Files
import Foundation
import Identity
import Net
import Session
import Synchronization
import Wire

/// A loopback session whose client side sends texts (and, when transferring, a 64 MB file
/// again and again) to a server side that receives files into a temporary directory and
/// acknowledges each text once its event is taken, as the chat does after storing it.
final class FileRig: Sendable {
    let connection: PeerConnection
    private let delivered: AsyncStream<MessageID>
    private let tasks: Task<Void, Never>

    /// What the last rig opened, closed by `closeAll` (the benchmark's teardown gets no rig).
    private static let open = Mutex<[@Sendable () async -> Void]>([])

    static let fileBytes = 64 << 20

    private init(connection: PeerConnection, delivered: AsyncStream<MessageID>, tasks: Task<Void, Never>) {
        self.connection = connection
        self.delivered = delivered
        self.tasks = tasks
    }

    static func open(transferring: Bool) async throws -> FileRig {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/in", withIntermediateDirectories: true)
        let path = directory + "/in/payload.bin"
        var generator = SystemRandomNumberGenerator()
        FileManager.default.createFile(
            atPath: path, contents: Data((0..<fileBytes / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }))

        let (accepted, arrivals) = AsyncStream.makeStream(of: PeerConnection.self)
        // As `parley chat` runs its sessions: a text is acknowledged by the owner once it has
        // taken it (the chat stores it first), so it waits behind what the owner handles first.
        var serverConfig = SessionConfig()
        serverConfig.acknowledgesOnDelivery = false
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: .generate(nickname: "bob")),
            config: serverConfig
        ) { arrivals.yield($0) }
        guard let port = server.localAddress?.port else { throw BenchmarkFailure("no port") }
        let connection = try await SessionConnector.connect(
            host: "127.0.0.1", port: port, credentials: try SessionCredentials(identity: .generate(nickname: "alice")))
        _ = try await connection.established()
        var next = accepted.makeAsyncIterator()
        guard let serverSide = await next.next() else { throw BenchmarkFailure("no session accepted") }

        let (delivered, deliveries) = AsyncStream.makeStream(of: MessageID.self)
        let sender = SenderSlot()
        let tasks = Task {
            await withTaskGroup(of: Void.self) { group in
                // The client's events: acknowledgements to the benchmark, file frames to the sender.
                group.addTask {
                    for await event in connection.events {
                        switch event {
                        case .delivered(let id, _): deliveries.yield(id)
                        case .frame(.file(let frame)): await sender.current?.receive(frame)
                        default: continue
                        }
                    }
                    deliveries.finish()
                }
                // The server's: each offer received into the directory, the file deleted after.
                group.addTask { await Self.receive(on: serverSide, into: directory + "/out") }
                if transferring {
                    group.addTask {
                        while !Task.isCancelled {
                            guard let source = try? SourceFile(path: path, transfer: .random(in: 1...UInt64.max)) else { return }
                            let next = FileSender(source: source, connection: connection)
                            sender.current = next
                            guard case .done = await next.run() else { return }
                        }
                    }
                }
            }
        }
        open.withLock {
            $0.append {
                tasks.cancel()
                await connection.close()
                await serverSide.close()
                await server.close()
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        // Under way before the measurement starts: the first chunks have gone out.
        if transferring { try await Task.sleep(for: .milliseconds(300)) }
        return FileRig(connection: connection, delivered: delivered, tasks: tasks)
    }

    static func receive(on session: PeerConnection, into directory: String) async {
        await withTaskGroup(of: Void.self) { group in
            var receiver: FileReceiver?
            for await event in session.events {
                if case .message(let message) = event { session.acknowledge(ids: [message.id]) }
                guard case .frame(.file(let frame)) = event else { continue }
                if case .offer(let offer) = frame {
                    guard let made = try? FileReceiver(offer: offer, directory: directory, connection: session) else { return }
                    receiver = made
                    group.addTask {
                        if case .done(let path?) = await made.run() { unlink(path) }
                    }
                } else {
                    receiver?.receive(frame)
                }
            }
            group.cancelAll()
        }
    }

    static func closeAll() async {
        let actions = open.withLock { actions in
            defer { actions = [] }
            return actions
        }
        for action in actions.reversed() { await action() }
    }

    /// Round trips of a short text: sent, then waited for until its acknowledgement arrives.
    func measure(_ benchmark: Benchmark) async {
        var acknowledged = delivered.makeAsyncIterator()
        for _ in benchmark.scaledIterations {
            do {
                let id = try await connection.send("how is the file coming along?")
                while let next = await acknowledged.next(), next != id {}
            } catch {
                benchmark.error("text round trip failed: \(error)")
                return
            }
        }
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The sender of the file going out now, read by the task that routes the client's events.
final class SenderSlot: Sendable {
    private let value = Mutex<FileSender?>(nil)
    var current: FileSender? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
