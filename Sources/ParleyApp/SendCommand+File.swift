import ArgumentParser
import ChatClient
import FileTransfer
import Files
import Foundation
import Net
import RunSupport
import Session
import Wire

/// `parley send --file PATH...`: the files (a directory: every file in it) offered as one batch
/// on one direct session, each hashed just before its offer and sent once the peer accepts
/// (the first offer's answer covers the batch), one after another.
extension SendCommand {
    func sendFiles() async throws {
        let identity = try homeOptions.loadIdentity()
        let credentials = try SessionCredentials(identity: identity)
        let selection: FileSelection
        do throws(FileProblem) {
            selection = try FileSelection.collect(file)
        } catch {
            throw Failure(message: error.description, code: .failure)
        }
        if selection.skipped > 0 {
            FileHandle.standardError.write(Data("parley: \(selection.skipped) hidden entries, links or special files left out\n".utf8))
        }
        // The first file is hashed before connecting: a large file takes a while, and the
        // session should not wait.
        let batchID = UInt64.random(in: 1...UInt64.max)
        let hash = { (index: Int) throws(Failure) -> SourceFile in
            let item = selection.items[index]
            do throws(FileProblem) {
                return try SourceFile(
                    path: item.path, transfer: .random(in: 1...UInt64.max), name: item.name,
                    batch: selection.batch(id: batchID, index: index))
            } catch {
                throw Failure(message: error.description, code: .failure)
            }
        }
        let first = try hash(0)
        let limit = Duration.milliseconds(Int64(timeout * 1000))
        var config = sessionOptions.config
        config.handshakeTimeout = min(config.handshakeTimeout, limit)
        let sessionConfig = config
        let (connection, peer) = try await withDeadline(limit) {
            let (connection, _) = try await open(credentials: credentials, config: sessionConfig, limit: limit)
            do {
                return (connection, try await connection.established())
            } catch let closed as SessionClosedError {
                throw Failure(message: closed.reason.description, code: closed.reason.exitStatus)
            }
        }
        guard !connection.isRelayed else {
            await connection.close()
            throw Failure(message: "files travel on direct sessions only: give --to HOST:PORT", code: .failure)
        }
        let route = SenderRoute()
        let progressOnTerminal = !json && isatty(2) == 1
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The session's events: file frames to the sender of their transfer.
            group.addTask {
                for await event in connection.events {
                    switch event {
                    case .frame(.file(let frame)): await route.current?.receive(frame)
                    case .closed: await route.closed()
                    default: continue
                    }
                }
                await route.closed()
            }
            for index in selection.items.indices {
                let source: SourceFile
                do {
                    source = index == 0 ? first : try hash(index)
                } catch {
                    await connection.close()
                    throw error
                }
                let sender = FileSender(source: source, connection: connection)
                await route.set(sender)
                // The bar is a child of this run, ended with the transfer.
                let outcome = await withTaskGroup(of: Void.self) { bar in
                    if progressOnTerminal { bar.addTask { await Self.showProgress(of: sender) } }
                    let outcome = await sender.run()
                    bar.cancelAll()
                    return outcome
                }
                if progressOnTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                let progress = await sender.progress
                if json {
                    print(Self.json(source.offer, outcome: outcome, progress: progress, peer: peer))
                }
                guard case .done = outcome else {
                    await connection.close()
                    let refused = outcome == .ended(.refused, byPeer: true, detail: nil)
                    throw Failure(message: "\(source.offer.name): \(outcome)", code: refused ? .declined : .failure)
                }
                if !json {
                    // A resumed transfer sends only what the peer was missing.
                    let part = progress.done < source.offer.size ? "; \(Self.bytes(progress.done)) of it sent, the peer had the rest" : ""
                    print("sent \(source.offer.name) (\(Self.bytes(source.offer.size))\(part)) to \(peer.nickname) (\(peer.fingerprint)) in \(String(format: "%.1f", progress.elapsed.secondsValue)) s, \(Self.bytes(UInt64(progress.rate)))/s")
                }
            }
            await connection.close()
            group.cancelAll()
        }
    }

    /// One line on standard error, redrawn twice a second: name, bar, percent, rate, time left.
    static func showProgress(of sender: FileSender) async {
        while !Task.isCancelled {
            let p = await sender.progress
            let width = 24
            let filled = Int(p.fraction * Double(width))
            let left = p.secondsLeft.map { String(format: "%.0f s left", $0) } ?? ""
            let line = "\r\u{1B}[K\(p.name) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(Int(p.fraction * 100))% \(bytes(UInt64(p.rate)))/s \(left)"
            FileHandle.standardError.write(Data(line.utf8))
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// The `--json` report of one file.
    struct Report: Encodable {
        var name: String
        var size: UInt64
        var root: String
        var peer: String
        var done: Bool
        var outcome: String
        var bytesSent: UInt64
        var seconds: Double
        var bytesPerSecond: Double
    }

    static func json(_ offer: FileOffer, outcome: FileOutcome, progress: FileProgress, peer: PeerInfo) -> String {
        let done = if case .done = outcome { true } else { false }
        let report = Report(
            name: offer.name, size: offer.size, root: offer.root.map { String(format: "%02x", $0) }.joined(),
            peer: peer.fingerprint.description, done: done, outcome: "\(outcome)", bytesSent: progress.done,
            seconds: progress.elapsed.secondsValue, bytesPerSecond: progress.rate)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func bytes(_ count: UInt64) -> String { FileProgress.text(bytes: count) }
}

/// Which sender the session's file frames go to (one file at a time).
actor SenderRoute {
    private(set) var current: FileSender?
    private var isClosed = false

    func set(_ sender: FileSender) async {
        current = sender
        if isClosed { await sender.sessionClosed() }
    }

    func closed() async {
        isClosed = true
        await current?.sessionClosed()
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
