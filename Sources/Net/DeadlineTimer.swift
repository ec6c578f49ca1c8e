import NIOCore
import Session

/// Keeps one task scheduled on an event loop for a state machine's next deadline: the adapters
/// call `arm(at: machine.nextDeadline)` after every batch of actions, and `fire` runs the
/// machine's tick. Re-arming for the same deadline does nothing. Lives on its event loop.
final class DeadlineTimer {
    private let eventLoop: EventLoop
    private var task: Scheduled<Void>?
    private var deadline: Instant?

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func arm(at deadline: Instant?, fire: @escaping () -> Void) {
        guard deadline != self.deadline else { return }
        cancel()
        self.deadline = deadline
        guard let deadline else { return }
        let delay = max(.zero, deadline - .now())
        let bound = NIOLoopBound((self, fire), eventLoop: eventLoop)
        task = eventLoop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) {
            let (timer, fire) = bound.value
            timer.task = nil
            timer.deadline = nil
            fire()
        }
    }

    func cancel() {
        task?.cancel()
        task = nil
        deadline = nil
    }
}
