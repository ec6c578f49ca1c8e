import Dispatch
import Synchronization

/// Runs the mailbox store's writes off the relay's event loop, in the order given, on one serial
/// queue. Writes submitted while a transaction runs are gathered into the next one: a flood of
/// `store`s costs one commit (one fsync) per batch, not one per message. Each submission learns
/// whether its batch committed.
///
/// The queue needs no bound of its own: every insert in it is already counted against the
/// mailbox's bounds (it is in the mailbox until its commit fails), and deletes and remembered
/// identities come one per acknowledgement, expiry or registration, each paced by the client's
/// message bucket.
final class MailboxWriter: Sendable {
    typealias Done = @Sendable (_ ok: Bool) -> Void

    private struct Pending {
        var batch: [(writes: [MailboxWrite], done: Done)] = []
        var draining = false
    }

    private let store: any RelayMailStore
    private let queue = DispatchQueue(label: "parley.relay.mailbox")
    private let pending = Mutex(Pending())
    /// Failed batches, and the error of the last one (for the log).
    private let failures = Mutex<(count: Int, last: String?)>((0, nil))

    init(store: any RelayMailStore) {
        self.store = store
    }

    /// Queues `writes`; `done` runs on the writer's queue once they are committed or failed.
    func submit(_ writes: [MailboxWrite], done: @escaping Done) {
        let start = pending.withLock { state -> Bool in
            state.batch.append((writes, done))
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    /// Waits until everything submitted so far is written (graceful shutdown).
    func finish() {
        while pending.withLock({ $0.draining }) { queue.sync {} }
    }

    var lastFailure: String? { failures.withLock { $0.last } }

    private func drain() {
        while true {
            let batch = pending.withLock { state -> [(writes: [MailboxWrite], done: Done)] in
                let batch = state.batch
                state.batch = []
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            var ok = true
            do {
                try store.apply(batch.flatMap(\.writes))
            } catch {
                ok = false
                let text = "\(error)"
                failures.withLock { $0 = ($0.count + 1, text) }
            }
            for item in batch { item.done(ok) }
        }
    }
}
