import Identity
import Session
import Wire

/// Sealed messages kept for offline recipients, and the identities `lookup` answers with: pure,
/// bounded per recipient, per sender, per network, in all (count and bytes), and by age. Every
/// change it decides is also queued in `writes` for the relay's store (`MailboxWrite`), which the
/// core hands to the adapter: the mailbox decides, the store only persists.
struct RelayMailbox: Sendable {
    struct Key: Hashable, Sendable {
        let network: [UInt8]
        let peer: PeerID
    }

    struct Mail: Sendable, Equatable {
        let id: UInt64
        let sealed: [UInt8]
        let sender: PeerID
        /// When it is dropped unless collected: `maxAge` after it was stored.
        let expires: Instant
        /// On disk: only committed mail is handed over.
        var committed: Bool
    }

    struct Entry: Sendable {
        let staticKey: [UInt8]
        let payload: [UInt8]
        var seen: Instant
    }

    /// Which bound refused a `store`.
    enum Refusal: Error, Sendable, Equatable {
        case recipient, sender, network, total

        var code: RelayErrorCode {
            switch self {
            case .recipient: .mailboxFull
            case .sender: .senderQuota
            case .network: .networkQuota
            case .total: .storageFull
            }
        }

        var reason: RelayDropReason {
            switch self {
            case .recipient: .mailboxFull
            case .sender: .senderQuota
            case .network: .networkQuota
            case .total: .storageFull
            }
        }
    }

    struct Limits: Sendable {
        var perRecipient = RelayLimits.maxStoredPerRecipient
        var perSender = RelayLimits.maxStoredPerSender
        var perNetwork = RelayLimits.maxStoredPerNetwork
        var total = RelayLimits.maxStoredTotal
        var totalBytes = RelayLimits.maxStoredBytes
        var maxAge = RelayLimits.maxStoredAge
        var directory = RelayLimits.maxDirectoryEntries
    }

    let limits: Limits
    private(set) var boxes: [Key: [Mail]] = [:]
    private(set) var directory: [Key: Entry] = [:]
    private(set) var total = 0
    private(set) var bytes = 0
    private(set) var perSender: [PeerID: Int] = [:]
    private(set) var perNetwork: [[UInt8]: Int] = [:]
    private var nextID: UInt64 = 1
    /// What the store must write, in order, since the last `takeWrites`.
    private(set) var writes: [MailboxWrite] = []

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The mailbox as the store kept it. Mail past its age is dropped (and deleted from the
    /// store); what the limits would refuse today is kept all the same: it was accepted.
    init(restoring state: MailboxState, limits: Limits = Limits(), now: Instant) {
        self.limits = limits
        var expired: [UInt64] = []
        for mail in state.mails.sorted(by: { $0.id < $1.id }) {
            nextID = max(nextID, mail.id + 1)
            guard mail.age < limits.maxAge, let recipient = PeerID(bytes: mail.recipient),
                let sender = PeerID(bytes: mail.sender)
            else {
                expired.append(mail.id)
                continue
            }
            let key = Key(network: mail.network, peer: recipient)
            add(
                Mail(
                    id: mail.id, sealed: mail.sealed, sender: sender, expires: now + (limits.maxAge - mail.age),
                    committed: true), for: key)
        }
        for entry in state.directory.sorted(by: { $0.age > $1.age }).suffix(limits.directory) {
            guard let peer = PeerID(bytes: entry.peer) else { continue }
            directory[Key(network: entry.network, peer: peer)] = Entry(
                staticKey: entry.staticKey, payload: entry.payload, seen: now + (.zero - entry.age))
        }
        if !expired.isEmpty { writes.append(.delete(expired)) }
    }

    /// The writes queued since the last call, for the store.
    mutating func takeWrites() -> [MailboxWrite] {
        defer { writes = [] }
        return writes
    }

    /// A client registered: remember its identity (the most recent `limits.directory` in all).
    mutating func remember(_ key: Key, staticKey: [UInt8], payload: [UInt8], now: Instant) {
        if directory[key] == nil, directory.count >= limits.directory,
            let oldest = directory.min(by: { $0.value.seen < $1.value.seen })?.key
        {
            directory[oldest] = nil
            writes.append(.forget(network: oldest.network, peer: oldest.peer.bytes))
        }
        directory[key] = Entry(staticKey: staticKey, payload: payload, seen: now)
        writes.append(.remember(network: key.network, peer: key.peer.bytes, staticKey: staticKey, payload: payload))
    }

    func lookup(_ key: Key) -> Entry? { directory[key] }

    /// Keeps `sealed` from `sender` for `key`, not yet committed (`committed` or `discard` follows);
    /// the bound it would break when it cannot. The recipient's bound is checked first, the
    /// relay's last: the answer names the narrowest bound that refused.
    mutating func store(_ sealed: [UInt8], from sender: PeerID, for key: Key, now: Instant) -> Result<Mail, Refusal> {
        expire(key, now: now)
        if boxes[key, default: []].count >= limits.perRecipient { return .failure(.recipient) }
        if perSender[sender, default: 0] >= limits.perSender { return .failure(.sender) }
        if perNetwork[key.network, default: 0] >= limits.perNetwork { return .failure(.network) }
        if total >= limits.total || bytes + sealed.count > limits.totalBytes { return .failure(.total) }
        let mail = Mail(id: nextID, sealed: sealed, sender: sender, expires: now + limits.maxAge, committed: false)
        nextID += 1
        add(mail, for: key)
        writes.append(
            .insert(
                id: mail.id, network: key.network, recipient: key.peer.bytes, sender: sender.bytes, sealed: sealed))
        return .success(mail)
    }

    /// The store has `id` on disk: it may be handed over. The mail and its recipient, nil when it
    /// is gone meanwhile.
    mutating func committed(_ id: UInt64, for key: Key) -> Mail? {
        guard let index = boxes[key]?.firstIndex(where: { $0.id == id }) else { return nil }
        boxes[key]![index].committed = true
        return boxes[key]![index]
    }

    /// The store could not write `id`: it was never kept (nothing to delete on disk).
    mutating func discard(_ id: UInt64, for key: Key) {
        guard let index = boxes[key]?.firstIndex(where: { $0.id == id }) else { return }
        remove(at: index, for: key)
    }

    /// What waits for `key` on disk, oldest first; it stays until acknowledged.
    mutating func pending(for key: Key, now: Instant) -> [Mail] {
        expire(key, now: now)
        return (boxes[key] ?? []).filter(\.committed)
    }

    /// The recipient has it: forget it. False when there was no such mail for that recipient.
    mutating func acknowledge(_ id: UInt64, for key: Key) -> Bool {
        guard let index = boxes[key]?.firstIndex(where: { $0.id == id && $0.committed }) else { return false }
        remove(at: index, for: key)
        writes.append(.delete([id]))
        return true
    }

    /// Drops what is older than `maxAge`, everywhere.
    mutating func expire(now: Instant) {
        for key in boxes.keys { expire(key, now: now) }
    }

    /// Senders with mail waiting, networks with mail waiting: for tests and metrics.
    var senderCount: Int { perSender.count }

    private mutating func expire(_ key: Key, now: Instant) {
        guard let mails = boxes[key], mails.contains(where: { now >= $0.expires }) else { return }
        var gone: [UInt64] = []
        while let index = boxes[key]?.firstIndex(where: { now >= $0.expires }) {
            gone.append(boxes[key]![index].id)
            remove(at: index, for: key)
        }
        writes.append(.delete(gone))
    }

    private mutating func add(_ mail: Mail, for key: Key) {
        boxes[key, default: []].append(mail)
        total += 1
        bytes += mail.sealed.count
        perSender[mail.sender, default: 0] += 1
        perNetwork[key.network, default: 0] += 1
    }

    private mutating func remove(at index: Int, for key: Key) {
        guard let mail = boxes[key]?.remove(at: index) else { return }
        if boxes[key]?.isEmpty == true { boxes[key] = nil }
        total -= 1
        bytes -= mail.sealed.count
        perSender[mail.sender]! -= 1
        if perSender[mail.sender] == 0 { perSender[mail.sender] = nil }
        perNetwork[key.network]! -= 1
        if perNetwork[key.network] == 0 { perNetwork[key.network] = nil }
    }
}
