import FileTransfer
import Files
import Foundation
import Session
import Testing
import Wire

@testable import Net

/// `FileSender` and `FileReceiver` on a real loopback session, in one process: whole pieces
/// written and hashed from memory, and pieces larger than the write buffer written in parts and
/// read back to be hashed; the file arrives byte-identical either way.
@Suite("File transfer adapters over loopback", .serialized)
struct FileTransferLoopbackTests {
    @Test(arguments: [FileReceiver.defaultFlushBytes, 20_000])
    func aFileArrivesIdenticalWhateverTheWriteBuffer(flushBytes: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-xfer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/in", withIntermediateDirectories: true)
        // Five pieces of 64 KiB and a short one; made a word at a time (the test process's two
        // cooperative threads are shared with tests that keep time).
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<41_000).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } })
        FileManager.default.createFile(atPath: directory + "/in/a.bin", contents: data)

        let server = try await TestServer.start()
        let (aliceSide, _) = try await connect(to: server.port)
        let bobSide = try await server.nextSession()
        _ = try await aliceSide.established()
        _ = try await bobSide.established()
        defer { Task { await aliceSide.close(); await bobSide.close(); await server.stop() } }

        let source = try SourceFile(path: directory + "/in/a.bin", transfer: 7)
        let sender = FileSender(source: source, connection: aliceSide)
        let outcome = try await within(30) {
            try await withThrowingTaskGroup(of: FileOutcome?.self) { group in
                // Alice's side: file frames to the sender.
                group.addTask {
                    for await event in aliceSide.events { if case .frame(.file(let frame)) = event { await sender.receive(frame) } }
                    return nil
                }
                group.addTask { await sender.run() }
                // Bob's side: the offer makes the receiver, which then takes the file frames.
                group.addTask {
                    var receiver: FileReceiver?
                    var running: Task<FileOutcome, Never>?
                    for await event in bobSide.events {
                        guard case .frame(.file(let frame)) = event else { continue }
                        if case .offer(let offer) = frame {
                            let made = try FileReceiver(offer: offer, directory: directory + "/out", connection: bobSide, flushBytes: flushBytes)
                            receiver = made
                            running = Task { await made.run() }
                        } else {
                            receiver?.receive(frame)
                        }
                        if let running, receiver?.progress.fraction == 1 { return await running.value }
                    }
                    return nil
                }
                var results: [FileOutcome] = []
                while results.count < 2, let next = try await group.next() {
                    if let next { results.append(next) }
                }
                group.cancelAll()
                return results
            }
        }
        #expect(outcome.contains(.done(path: nil)), "the sender: \(outcome)")
        #expect(outcome.contains(.done(path: directory + "/out/a.bin")), "the receiver: \(outcome)")
        #expect(FileManager.default.contents(atPath: directory + "/out/a.bin") == data)
    }
}
