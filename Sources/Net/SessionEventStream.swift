import NIOConcurrencyHelpers
import NIOCore
import Session

/// A session's events on their way to its owner, bounded: the session pushes on its event loop;
/// when `InboundLimits.highWatermark` events wait, `onReading(false)` stops its connection being
/// read, and once the owner has taken enough (`lowWatermark`) `onReading(true)` resumes it, on
/// the event loop. The owner reads `stream`, an ordinary `AsyncStream` that ends after `.closed`.
final class SessionEventStream: Sendable {
    private struct State {
        var queue: InboundEventQueue
        var waiter: CheckedContinuation<SessionEvent?, Never>?
        /// `.closed` was pushed: nothing more comes.
        var ended = false
        /// `.closed` was handed over, or the owner's task was cancelled.
        var finished = false
        var onReading: (@Sendable (Bool) -> Void)?
    }

    private let state: NIOLockedValueBox<State>
    private let eventLoop: EventLoop

    init(eventLoop: EventLoop, queue: InboundEventQueue = InboundEventQueue()) {
        self.eventLoop = eventLoop
        state = NIOLockedValueBox(State(queue: queue))
    }

    /// The events, in order (voice and call frames ahead of texts), ending after `.closed`.
    var stream: AsyncStream<SessionEvent> {
        AsyncStream(unfolding: { await self.next() })
    }

    /// Called on the event loop with whether the connection should be read; set once, before
    /// the first event.
    func setReadingHandler(_ handler: @escaping @Sendable (Bool) -> Void) {
        state.withLockedValue { $0.onReading = handler }
    }

    /// Counters, for tests and statistics.
    var voiceFramesDropped: Int { state.withLockedValue { $0.queue.voiceFramesDropped } }
    var pauses: Int { state.withLockedValue { $0.queue.pauses } }
    var waiting: Int { state.withLockedValue { $0.queue.counted } }

    /// On the event loop: one more event from the session.
    func push(_ event: SessionEvent) {
        let (waiter, pause): (CheckedContinuation<SessionEvent?, Never>?, (@Sendable (Bool) -> Void)?) =
            state.withLockedValue { state in
                guard !state.ended, !state.finished else { return (nil, nil) }
                if case .closed = event { state.ended = true }
                if let waiter = state.waiter {
                    state.waiter = nil
                    if case .closed = event { state.finished = true }
                    return (waiter, nil)
                }
                return (nil, state.queue.push(event) ? state.onReading : nil)
            }
        waiter?.resume(returning: event)
        pause?(false)
    }

    /// The owner's next event; nil once the stream is over.
    private func next() async -> SessionEvent? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SessionEvent?, Never>) in
                let (event, resume): (SessionEvent??, (@Sendable (Bool) -> Void)?) = state.withLockedValue { state in
                    if state.finished || Task.isCancelled {
                        state.finished = true
                        return (.some(nil), nil)
                    }
                    guard let (event, resume) = state.queue.pop() else {
                        if state.ended {
                            state.finished = true
                            return (.some(nil), nil)
                        }
                        precondition(state.waiter == nil, "a session's events are read by one task at a time")
                        state.waiter = continuation
                        return (nil, nil)
                    }
                    if case .closed = event { state.finished = true }
                    return (.some(event), resume ? state.onReading : nil)
                }
                if let event { continuation.resume(returning: event) }
                if let resume { eventLoop.execute { self.applyReading(resume) } }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state in
                state.finished = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// On the event loop: resumes reading unless it was paused again meanwhile.
    private func applyReading(_ handler: @Sendable (Bool) -> Void) {
        let reading = state.withLockedValue { $0.queue.isReading }
        if reading { handler(true) }
    }
}
