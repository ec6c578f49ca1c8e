import ChatModel
import Foundation
import Identity
import Net
import Session
import Store
import TUI
import Testing

@testable import ChatClient

/// Everything a chat core showed, for assertions.
final class RecordingDisplay: ChatDisplay, @unchecked Sendable {
    private let lock = NSLock()
    private var outputs: [ChatOutput] = []

    func show(_ output: ChatOutput) {
        lock.withLock { outputs.append(output) }
    }

    var lines: [String] { lock.withLock { outputs.compactMap(\.line) } }
    var updates: [ModelUpdate] { lock.withLock { outputs.flatMap(\.updates) } }

    /// The chat messages from others shown, by text.
    func shownMessages(containing text: String) -> [ChatMessage] {
        updates.compactMap { update in
            if case .message(let message, _) = update, !message.isOwn, message.text.contains(text) { return message }
            return nil
        }
    }

    func deliveries() -> [(String, ChatModel.DeliveryState)] {
        updates.compactMap { update in
            if case .delivery(let id, _, let state) = update { return (id, state) }
            return nil
        }
    }
}

/// One chat client: an identity, a real store in a temporary directory, and the core.
struct ChatPeer {
    let identity: LocalIdentity
    let directory: String
    let store: ParleyStore
    let display = RecordingDisplay()
    let chat: ChatController

    /// `directory` reopens an earlier peer's store (as after a restart).
    init(
        _ nickname: String, in scratch: String, identity: LocalIdentity? = nil, directory: String? = nil,
        options: ChatController.Options = ChatController.Options(), storeOptions: ParleyStore.Options = .init()
    ) async throws {
        let identity = identity ?? LocalIdentity.generate(nickname: nickname)
        self.identity = identity
        self.directory = directory ?? scratch + "/" + nickname + "-" + UUID().uuidString.prefix(6)
        store = try ParleyStore(directory: self.directory, options: storeOptions)
        let chat = ChatController(identity: identity, store: store, display: display, options: options)
        self.chat = chat
        // The chat's tasks run in its own group, as `parley chat` runs them, until it finishes.
        Task { await chat.run() }
        await chat.start()
    }

    var peerID: PeerID { identity.peerID }

    /// As `parley chat` runs its sessions: a text is acknowledged once the chat stored it.
    static var sessionConfig: SessionConfig {
        var config = SessionConfig()
        config.acknowledgesOnDelivery = false
        return config
    }

    /// Accepts sessions on a loopback port, each handed to the core.
    func listen() async throws -> (SessionServer, Int) {
        let chat = chat
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: identity),
            config: Self.sessionConfig
        ) { connection in
            Task { await chat.attach(connection) }
        }
        return (server, try #require(server.localAddress?.port))
    }

    func connect(to port: Int) async throws -> PeerConnection {
        let connection = try await SessionConnector.connect(
            host: "127.0.0.1", port: port, credentials: try SessionCredentials(identity: identity),
            config: Self.sessionConfig)
        await chat.attach(connection, isOutgoing: true)
        return connection
    }
}

/// A fresh directory, removed by `cleanup`.
struct TempDirectory {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-chat-\(UUID().uuidString)").path
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Polls `condition` until it holds; fails the test after `seconds`.
func eventually(
    _ what: String, within seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        // Checked once more after the deadline: a starved task is not a failed condition.
        if try await condition() { return }
        if Date() >= deadline { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}
