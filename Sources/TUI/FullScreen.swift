import ChatModel
import Foundation
import RunSupport

/// Runs the full-screen client: the app's only entry point to the terminal.
public enum FullScreen {
    /// Why `run` returned.
    public enum Exit: Equatable, Sendable {
        /// The user asked to leave: Ctrl-C, Ctrl-D on an empty line, or `/quit`.
        case quit
        /// The app finished the update stream.
        case updatesEnded
        /// The task running the screen was cancelled.
        case cancelled
        /// The terminal went away (standard input closed or hung up).
        case terminalLost
    }

    /// How often the screen wakes without input: resizes are noticed and a running call's
    /// duration is redrawn at this pace.
    public static let tick: Duration = .milliseconds(100)

    /// Takes over the terminal, draws `model`, and runs until the user quits, `updates`
    /// finishes, or the calling task is cancelled; the terminal is restored on every path out,
    /// including a thrown error.
    ///
    /// - `updates`: every change the app wants on screen, applied in order.
    /// - `notification`: the terminal's part of a notification (`auto` is resolved here).
    /// - `desktop`: desktop notifications beside the terminal's, when there is a desktop;
    ///   `/set notify-send` turns them off and on while it runs.
    /// - `mouse`: clicks on the peers pane choose a window, the wheel scrolls.
    /// - `onCommand`: each command the user typed (not `/win`, `/clear` or `/help`, which the
    ///   screen handles), with the conversation that was on screen. Called on the screen's task:
    ///   hand the work to your own task and return at once. `/quit` is not passed: `run` returns
    ///   `.quit` instead.
    /// - Throws `CursesTerminal.Failure` when standard input or output is not a terminal or curses
    ///   cannot start.
    public static func run(
        model: ChatScreenModel,
        updates: AsyncStream<ModelUpdate>,
        theme: Theme = .fromEnvironment(ProcessInfo.processInfo.environment),
        timeZone: TimeZone = .current,
        notification: TerminalNotification = .auto,
        desktop: DesktopNotifier? = nil,
        desktopNotifications: Bool = true,
        mouse: Bool = false,
        onCommand: @escaping @Sendable (UserCommand, ConversationID) -> Void
    ) async throws -> Exit {
        let terminal = try CursesTerminal(colors: theme.colors, mouse: mouse)
        defer { terminal.close() }
        var screen = ChatScreen(
            model: model, renderer: ScreenRenderer(theme: theme, format: TimeFormat(timeZone: timeZone)))
        screen.terminalNotification = notification.resolved(environment: ProcessInfo.processInfo.environment)
        screen.desktopNotifications = desktopNotifications
        var decoder = KeyDecoder()

        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let watcher = InputWatcher(descriptor: 0, events: continuation)
        // Continued after a stop the screen did not ask for (SIGSTOP, or SIGTSTP from elsewhere):
        // the shell had the terminal meanwhile and left it in line mode.
        let continued = SignalTrap(signals: [SIGCONT]) { continuation.yield(.continued) }
        defer {
            continued.cancel()
            watcher.stop()
            continuation.finish()
        }

        func redraw() {
            let size = terminal.size
            terminal.draw(screen.render(rows: size.rows, columns: size.columns, now: Date()))
        }
        /// Carries out effects; returns an exit when one ends the screen.
        func perform(_ effects: [ScreenEffect]) -> Exit? {
            for effect in effects {
                switch effect {
                case .command(let command, let id): onCommand(command, id)
                case .bell: terminal.beep()
                case .redraw: terminal.invalidate()
                case .suspend: terminal.suspend()
                case .notify(let mode, let title, let body):
                    terminal.notify(mode, title: title, body: body)
                case .desktopNotify(let title, let body):
                    desktop?.notify(title: title, body: body)
                case .quit: return .quit
                }
            }
            return nil
        }

        // The forwarder of updates is a child of this run: cancelled when the screen ends, and
        // ended before `run` returns.
        return await withTaskGroup(of: Void.self) { group -> Exit in
            group.addTask {
                for await update in updates { continuation.yield(.update(update)) }
                continuation.yield(.updatesEnded)
            }
            defer { group.cancelAll() }
            redraw()
            for await event in events {
                switch event {
                case .input, .tick:
                    var inputs: [RawInput] = []
                    while let input = terminal.read() { inputs.append(input) }
                    if case .input = event { watcher.resume() }
                    var idle = false
                    if case .tick = event { idle = inputs.isEmpty }
                    let (effects, draw) = InputBatch.handle(
                        inputs, idle: idle, decoder: &decoder, screen: &screen, now: Date())
                    if let exit = perform(effects) { return exit }
                    // One frame per batch; an idle tick draws only for a running call's clock.
                    if !draw && !(idle && screen.model.status.call != nil) { continue }
                case .update(let update):
                    if let exit = perform(screen.apply(update, now: Date())) { return exit }
                case .updatesEnded:
                    return .updatesEnded
                case .hangup:
                    return .terminalLost
                case .continued:
                    terminal.resume()
                }
                redraw()
            }
            return .cancelled
        }
    }

    enum Event: Sendable {
        case input
        case tick
        case hangup
        case continued
        case update(ModelUpdate)
        case updatesEnded
    }
}

/// Waits on a thread of its own for standard input to become readable (curses reads it without
/// blocking on the screen's task), and sends a tick when nothing arrives within `FullScreen.tick`.
/// After `.input` it waits for `resume()` so a byte not yet read does not spin it.
final class InputWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private let drained = DispatchSemaphore(value: 0)

    init(descriptor: Int32, events: AsyncStream<FullScreen.Event>.Continuation) {
        let timeout =
            Int32(FullScreen.tick.components.attoseconds / 1_000_000_000_000_000)
            + Int32(FullScreen.tick.components.seconds * 1000)
        let thread = Thread { [self] in
            while !isStopped {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, timeout)
                if isStopped { break }
                if ready > 0 && entry.revents & Int16(POLLIN) != 0 {
                    events.yield(.input)
                    _ = drained.wait(timeout: .now() + .seconds(1))
                } else if ready > 0 {
                    events.yield(.hangup)  // POLLHUP, POLLERR or POLLNVAL without data
                    break
                } else {
                    events.yield(.tick)
                }
            }
        }
        thread.name = "parley-input"
        thread.start()
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    func resume() { drained.signal() }

    func stop() {
        lock.withLock { stopped = true }
        drained.signal()
    }
}
