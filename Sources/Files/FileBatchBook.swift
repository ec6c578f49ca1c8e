import Wire

/// The receiver's record of the batches it accepted (docs/PROTOCOL.md §15.3): once the first
/// file of a batch is taken, the batch's later files are taken without asking again, as long
/// as they come from the same peer, in order, and within the count and bytes the first offer
/// announced. A pure value: the chat keeps one and asks it about every offer after the first.
public struct FileBatchBook<Peer: Hashable & Sendable>: Sendable {
    /// Batches remembered at once; past it the oldest is forgotten (its later offers are then
    /// asked about again, like new ones).
    public static var capacity: Int { 64 }

    struct Key: Hashable {
        var peer: Peer
        var id: UInt64
    }

    struct Entry {
        var nextIndex: UInt32
        var count: UInt32
        var bytesLeft: UInt64
        var order: UInt64
    }

    private var entries: [Key: Entry] = [:]
    private var nextOrder: UInt64 = 0

    public init() {}

    public var count: Int { entries.count }

    /// The first file of a batch was accepted: later ones of it follow without asking.
    public mutating func accepted(_ offer: FileOffer, from peer: Peer) {
        let batch = offer.batch
        guard batch.count > 1, batch.index + 1 < batch.count else { return }
        if entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.order < $1.value.order }) {
            entries[oldest.key] = nil
        }
        entries[Key(peer: peer, id: batch.id)] = Entry(
            nextIndex: batch.index + 1, count: batch.count, bytesLeft: batch.bytes - min(batch.bytes, offer.size),
            order: nextOrder)
        nextOrder += 1
    }

    /// What to do with an offer.
    public enum Verdict: Equatable, Sendable {
        /// Not part of an accepted batch: ask the user (or the policy), like any offer.
        case ask
        /// The next file of an accepted batch: take it. `last` when it is the batch's last file.
        case take(index: UInt32, count: UInt32, last: Bool)
        /// Claims an accepted batch but breaks its terms (out of order, over its bytes, another
        /// count): refuse it; the batch is forgotten.
        case refuse
    }

    /// Looks an offer up, and counts it in when it is taken.
    public mutating func admit(_ offer: FileOffer, from peer: Peer) -> Verdict {
        let batch = offer.batch
        let key = Key(peer: peer, id: batch.id)
        guard var entry = entries[key] else { return .ask }
        guard batch.index == entry.nextIndex, batch.count == entry.count, offer.size <= entry.bytesLeft else {
            entries[key] = nil
            return .refuse
        }
        entry.nextIndex += 1
        entry.bytesLeft -= offer.size
        let last = entry.nextIndex == entry.count
        entries[key] = last ? nil : entry
        return .take(index: batch.index, count: batch.count, last: last)
    }

    /// Forgets every batch of `peer` (its session ended).
    public mutating func forget(_ peer: Peer) {
        entries = entries.filter { $0.key.peer != peer }
    }
}
