import Identity
import Session
import Wire

/// Sealed messages kept for offline recipients, and the identities `lookup` answers with:
/// pure, bounded per recipient, in all, and by age.
struct RelayMailbox: Sendable {
    struct Key: Hashable, Sendable {
        let network: [UInt8]
        let peer: PeerID
    }

    struct Mail: Sendable {
        let id: UInt64
        let sealed: [UInt8]
        let storedAt: Instant
    }

    struct Entry: Sendable {
        let staticKey: [UInt8]
        let payload: [UInt8]
        var seen: Instant
    }

    let maxPerRecipient: Int
    let maxTotal: Int
    let maxAge: Duration
    let maxDirectory: Int
    private(set) var boxes: [Key: [Mail]] = [:]
    private(set) var directory: [Key: Entry] = [:]
    private(set) var total = 0
    private var nextID: UInt64 = 1

    init(
        maxPerRecipient: Int = RelayLimits.maxStoredPerRecipient, maxTotal: Int = RelayLimits.maxStoredTotal,
        maxAge: Duration = RelayLimits.maxStoredAge, maxDirectory: Int = RelayLimits.maxDirectoryEntries
    ) {
        self.maxPerRecipient = maxPerRecipient
        self.maxTotal = maxTotal
        self.maxAge = maxAge
        self.maxDirectory = maxDirectory
    }

    /// A client registered: remember its identity (the most recent `maxDirectory` in all).
    mutating func remember(_ key: Key, staticKey: [UInt8], payload: [UInt8], now: Instant) {
        if directory[key] == nil, directory.count >= maxDirectory,
            let oldest = directory.min(by: { $0.value.seen < $1.value.seen })?.key
        {
            directory[oldest] = nil
        }
        directory[key] = Entry(staticKey: staticKey, payload: payload, seen: now)
    }

    func lookup(_ key: Key) -> Entry? { directory[key] }

    /// Keeps `sealed` for `key`; nil when the recipient's box (or the relay) is full.
    mutating func store(_ sealed: [UInt8], for key: Key, now: Instant) -> Mail? {
        expire(key, now: now)
        guard boxes[key, default: []].count < maxPerRecipient, total < maxTotal else { return nil }
        let mail = Mail(id: nextID, sealed: sealed, storedAt: now)
        nextID += 1
        boxes[key, default: []].append(mail)
        total += 1
        return mail
    }

    /// What waits for `key`, oldest first; it stays until acknowledged.
    mutating func pending(for key: Key, now: Instant) -> [Mail] {
        expire(key, now: now)
        return boxes[key] ?? []
    }

    /// The recipient has it: forget it. False when there was no such mail for that recipient.
    mutating func acknowledge(_ id: UInt64, for key: Key) -> Bool {
        guard let index = boxes[key]?.firstIndex(where: { $0.id == id }) else { return false }
        boxes[key]?.remove(at: index)
        if boxes[key]?.isEmpty == true { boxes[key] = nil }
        total -= 1
        return true
    }

    /// Drops what is older than `maxAge`, everywhere.
    mutating func expire(now: Instant) {
        for key in boxes.keys { expire(key, now: now) }
    }

    private mutating func expire(_ key: Key, now: Instant) {
        guard let mails = boxes[key] else { return }
        let kept = mails.filter { now - $0.storedAt < maxAge }
        guard kept.count != mails.count else { return }
        total -= mails.count - kept.count
        boxes[key] = kept.isEmpty ? nil : kept
    }
}
