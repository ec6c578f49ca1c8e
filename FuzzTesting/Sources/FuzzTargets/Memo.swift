import Synchronization

/// Results of deterministic, costly work (Ed25519 signatures and their checks) that a target
/// does again and again: libFuzzer's inputs are mostly small mutations of each other, so the
/// same packet is signed over and over. The value is what the work gives anyway, so a run with
/// the memo is the run without it. Bounded: emptied when full. Locked, because the suite's
/// replay tests run targets side by side.
final class Memo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    static var bound: Int { 1 << 15 }
    private let table = Mutex<[Key: Value]>([:])

    func value(for key: Key, _ make: () -> Value) -> Value {
        if let hit = table.withLock({ $0[key] }) { return hit }
        let made = make()
        table.withLock { table in
            if table.count >= Self.bound { table.removeAll(keepingCapacity: true) }
            table[key] = made
        }
        return made
    }
}
