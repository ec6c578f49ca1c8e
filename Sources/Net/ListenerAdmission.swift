/// Which connections a session listener admits, given what it already holds: at most
/// `perAddress` from one source address and `total` in all (a connection past either is refused
/// and closed at once), and at most `handshaking` still in their handshake (past that, one of
/// those is evicted to make room: the oldest of the address with the most in handshake, so that a
/// lone new peer is not the one to go when a few addresses hold many). A pure value: the listener's adapter reports what happens
/// (`arrive`, `established`, `departed`) and carries out the decisions.
public struct ListenerAdmission: Sendable {
    public struct Caps: Sendable, Equatable {
        public var perAddress: Int
        public var handshaking: Int
        public var total: Int

        public init(
            perAddress: Int = ListenerLimits.maxConnectionsPerAddress,
            handshaking: Int = ListenerLimits.maxHandshaking, total: Int = ListenerLimits.maxConnections
        ) {
            self.perAddress = perAddress
            self.handshaking = handshaking
            self.total = total
        }
    }

    /// Identifies one admitted connection.
    public struct Ticket: Hashable, Sendable, Comparable {
        let number: UInt64
        public static func < (a: Ticket, b: Ticket) -> Bool { a.number < b.number }
    }

    public enum Refusal: Sendable, Equatable {
        case perAddress
        case total
    }

    public enum Decision: Sendable, Equatable {
        /// Admit it; close `evicting` (a connection still in its handshake) if given.
        case admit(Ticket, evicting: Ticket?)
        /// Close it at once.
        case refuse(Refusal)
    }

    private struct Entry {
        let address: String
        var isHandshaking: Bool
    }

    public let caps: Caps
    private var entries: [Ticket: Entry] = [:]
    private var perAddress: [String: Int] = [:]
    private var handshakingPerAddress: [String: Int] = [:]
    private var handshakingCount = 0
    private var nextNumber: UInt64 = 0
    public private(set) var stats = ListenerStats()

    public init(caps: Caps = Caps()) {
        self.caps = caps
    }

    /// A connection from `address` was accepted by the kernel.
    public mutating func arrive(from address: String) -> Decision {
        if perAddress[address, default: 0] >= caps.perAddress {
            stats.refusedPerAddress += 1
            return .refuse(.perAddress)
        }
        if entries.count >= caps.total {
            stats.refusedTotal += 1
            return .refuse(.total)
        }
        var evicted: Ticket?
        if handshakingCount >= caps.handshaking, let victim = evictionCandidate() {
            remove(victim)
            stats.evictedHandshaking += 1
            evicted = victim
        }
        let ticket = Ticket(number: nextNumber)
        nextNumber += 1
        entries[ticket] = Entry(address: address, isHandshaking: true)
        perAddress[address, default: 0] += 1
        handshakingPerAddress[address, default: 0] += 1
        handshakingCount += 1
        stats.admitted += 1
        updateGauges()
        return .admit(ticket, evicting: evicted)
    }

    /// The connection finished its handshake: it no longer counts against `handshaking`.
    public mutating func established(_ ticket: Ticket) {
        guard var entry = entries[ticket], entry.isHandshaking else { return }
        entry.isHandshaking = false
        entries[ticket] = entry
        handshakingCount -= 1
        Self.decrement(&handshakingPerAddress, entry.address)
        updateGauges()
    }

    /// The connection closed (for whatever reason; also after an eviction, when it is a no-op).
    public mutating func departed(_ ticket: Ticket) {
        remove(ticket)
    }

    /// `accept` failed (EMFILE and the like): counted; the adapter backs off.
    public mutating func acceptFailed() {
        stats.acceptErrors += 1
    }

    private mutating func remove(_ ticket: Ticket) {
        guard let entry = entries.removeValue(forKey: ticket) else { return }
        if entry.isHandshaking {
            handshakingCount -= 1
            Self.decrement(&handshakingPerAddress, entry.address)
        }
        Self.decrement(&perAddress, entry.address)
        updateGauges()
    }

    private static func decrement(_ counts: inout [String: Int], _ address: String) {
        let left = counts[address, default: 1] - 1
        counts[address] = left > 0 ? left : nil
    }

    /// The oldest connection in handshake from the address with the most in handshake (the
    /// oldest address among equals). At most `caps.total` entries to scan, and only when the
    /// handshake cap bites.
    private func evictionCandidate() -> Ticket? {
        guard let most = handshakingPerAddress.values.max() else { return nil }
        let candidates = entries.filter { $0.value.isHandshaking && handshakingPerAddress[$0.value.address] == most }
        return candidates.keys.min()
    }

    private mutating func updateGauges() {
        stats.open = entries.count
        stats.handshaking = handshakingCount
    }
}

/// A listener's connection counters: what it holds now, and how often each cap bit.
public struct ListenerStats: Sendable, Equatable {
    /// Connections open now, and how many of them are still in their handshake.
    public var open = 0
    public var handshaking = 0
    /// Connections admitted since the start.
    public var admitted = 0
    /// Connections refused and closed at once: their address already had
    /// `ListenerLimits.maxConnectionsPerAddress` open, or the listener `maxConnections`.
    public var refusedPerAddress = 0
    public var refusedTotal = 0
    /// Connections closed in their handshake to make room for a newer one (`maxHandshaking`).
    public var evictedHandshaking = 0
    /// `accept` calls that failed (out of descriptors or memory), each followed by a pause.
    public var acceptErrors = 0

    public init() {}

    /// Connections turned away by any cap.
    public var refused: Int { refusedPerAddress + refusedTotal + evictedHandshaking }

    /// "12 open (3 in handshake); refused 40 (per address 40, total 0), evicted 0 in handshake,
    /// accept errors 0".
    public var summary: String {
        "\(open) open (\(handshaking) in handshake); refused \(refusedPerAddress + refusedTotal) "
            + "(per address \(refusedPerAddress), total \(refusedTotal)), "
            + "evicted \(evictedHandshaking) in handshake, accept errors \(acceptErrors)"
    }
}
