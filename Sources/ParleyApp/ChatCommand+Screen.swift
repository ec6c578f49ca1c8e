import ArgumentParser
import ChatClient
import ChatModel
import Foundation
import Identity
import TUI

/// `parley chat` on a terminal: the full-screen client's start, beside the chat.
extension ChatCommand {
    /// Runs the full-screen client until the user quits, then closes the chat.
    func runScreen(identity: LocalIdentity, chat: ChatController, updates: AsyncStream<ModelUpdate>) async {
        var screenModel = ChatScreenModel(
            ownNickname: identity.nickname, ownFingerprint: identity.fingerprint.description,
            bellOnBackgroundMessage: bell)
        screenModel.highlightWords = highlight.filter { !$0.isEmpty }
        screenModel.smartFilter = smartFilter
        let model = screenModel
        // The chat may end first (a signal): the screen then ends with it. `chatEnded` finishes
        // then; a child waiting on it is cancelled, like the screen, when the other ends first.
        let (chatEnded, ended) = AsyncStream.makeStream(of: Never.self)
        chat.tasks.spawn {
            _ = await chat.finished()
            ended.finish()
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    let environment = ProcessInfo.processInfo.environment
                    _ = try await FullScreen.run(
                        model: model, updates: updates, theme: colors.theme(environment),
                        notification: notifyTerminal ?? .auto, desktop: DesktopNotifier(environment: environment),
                        desktopNotifications: notifySend, mouse: colors.mouse
                    ) { command, conversation in
                        chat.tasks.spawn { await chat.perform(command, in: conversation) }
                    }
                } catch {
                    FileHandle.standardError.write(Data("parley: \(error)\n".utf8))
                }
            }
            group.addTask { for await _ in chatEnded {} }
            await group.next()
            group.cancelAll()
        }
        await chat.quit()
    }
}

extension TerminalNotification: ExpressibleByArgument {}
