import ChatModel
import Foundation
import Identity

/// One thing the chat core shows, in both of its forms: the full-screen client's model updates,
/// and the line the plain (line-oriented) client prints. Either may be empty: the peers pane
/// has no line, and a plain-only line (a `#N delivered` notice) may have no update.
public struct ChatOutput: Sendable {
    var updates: [ModelUpdate]
    var line: String?

    init(_ updates: [ModelUpdate] = [], line: String? = nil) {
        self.updates = updates
        self.line = line
    }

    /// A line from parley: `* text` in plain mode, a notice in the window `conversation`
    /// (the one on screen when nil).
    public static func notice(_ text: String, in conversation: ConversationID? = nil) -> ChatOutput {
        ChatOutput([.notice(text, in: conversation)], line: "* " + text)
    }

    /// A peer's comings and goings on the LAN: `* text` in plain mode, a line in `#lan` that the
    /// full-screen client folds when the peer has not written lately (its smart filter).
    static func presence(_ text: String, about peer: PeerID) -> ChatOutput {
        ChatOutput([.presence(text, peer: peer.description)], line: "* " + text)
    }

    /// Something that went wrong: `! text` in plain mode, an error line on screen.
    public static func error(_ text: String, in conversation: ConversationID? = nil) -> ChatOutput {
        ChatOutput([.error(text, in: conversation)], line: "! " + text)
    }
}

/// Where the chat core's output goes. The core never knows which client is running.
public protocol ChatDisplay: Sendable {
    func show(_ output: ChatOutput)
}

/// The line-oriented client: prints each output's line, ignores the screen updates.
public struct PlainDisplay: ChatDisplay {
    let output: LineOutput

    public init(output: LineOutput) {
        self.output = output
    }

    public func show(_ output: ChatOutput) {
        if let line = output.line { self.output.line(line) }
    }
}

/// The full-screen client: feeds the screen's updates to `FullScreen.run`.
public struct ScreenDisplay: ChatDisplay {
    let updates: AsyncStream<ModelUpdate>.Continuation

    public init(updates: AsyncStream<ModelUpdate>.Continuation) {
        self.updates = updates
    }

    public func show(_ output: ChatOutput) {
        for update in output.updates { updates.yield(update) }
    }
}
