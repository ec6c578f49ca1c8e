import Wire

/// Remembers the most recent message IDs, at most `capacity` of them, oldest forgotten first.
struct DuplicateFilter: Sendable {
    private var seen: Set<MessageID> = []
    private var order: [MessageID] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Records `id`; returns false when it was already there.
    mutating func insert(_ id: MessageID) -> Bool {
        guard !seen.contains(id) else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            seen.remove(order[next])
            order[next] = id
            next = (next + 1) % capacity
        }
        seen.insert(id)
        return true
    }

    func contains(_ id: MessageID) -> Bool { seen.contains(id) }

    var count: Int { seen.count }
}
