import Foundation

/// The chaos test's bookkeeping (issue 13): when each numbered message was typed, when the path
/// between sender and receiver was down, and what the receiver stored, in its store's order.
/// From those: which messages were lost, duplicated or stored out of order, and how long each
/// waited while a usable path existed.
///
/// A message's wait is the time between its typing and its storing at the receiver, minus every
/// moment of that span in which no usable path existed (from the kill of a process the path
/// needs until the restarted process is ready). A message typed while the path is up waits its
/// latency; one typed during an outage waits from the path's return. Time the path was up and
/// the message did not move counts, across outages too: a message stuck through a whole usable
/// stretch cannot hide behind a later outage. A message that never arrived waited at least
/// until the end of the run, and is counted so.
struct ChaosLedger {
    struct Outage: Equatable {
        let start: Date
        let end: Date
    }

    /// One message of the test as the receiver stored it.
    struct Stored: Equatable {
        let number: Int
        let receivedAt: Date
    }

    struct Report {
        let messages: Int
        let stored: Int
        let lost: [Int]
        let duplicated: [Int]
        /// Each message stored after a higher-numbered one: (the highest stored before it, it).
        let outOfOrder: [(Int, Int)]
        let maxWait: TimeInterval
        let slowest: Int?
        /// Whether the slowest never arrived (its wait then lasts at least until the run's end).
        var slowestLost: Bool { slowest.map { lost.contains($0) } ?? false }
        /// The messages whose wait exceeded the bound, with their waits.
        let overBound: [(number: Int, wait: TimeInterval)]
    }

    private(set) var typed: [Int: Date] = [:]
    private(set) var outages: [Outage] = []

    mutating func typed(_ number: Int, at time: Date) { typed[number] = time }

    mutating func outage(from start: Date, to end: Date) {
        outages.append(Outage(start: start, end: max(start, end)))
    }

    /// The part of `from...to` in which a usable path existed.
    func usableTime(from: Date, to: Date) -> TimeInterval {
        guard to > from else { return 0 }
        var down: TimeInterval = 0
        for outage in outages {
            let start = max(from, outage.start)
            let end = min(to, outage.end)
            if end > start { down += end.timeIntervalSince(start) }
        }
        return max(0, to.timeIntervalSince(from) - down)
    }

    /// `end`: when the run stopped waiting for missing messages.
    func report(_ stored: [Stored], bound: TimeInterval, end: Date) -> Report {
        var first: [Int: Stored] = [:]
        var duplicated: Set<Int> = []
        for message in stored {
            if first[message.number] == nil {
                first[message.number] = message
            } else {
                duplicated.insert(message.number)
            }
        }
        var outOfOrder: [(Int, Int)] = []
        var highest: Int?
        for message in stored {
            if let previous = highest, message.number < previous { outOfOrder.append((previous, message.number)) }
            highest = max(highest ?? message.number, message.number)
        }
        var maxWait: TimeInterval = 0
        var slowest: Int?
        var overBound: [(number: Int, wait: TimeInterval)] = []
        for (number, time) in typed.sorted(by: { $0.key < $1.key }) {
            let wait = usableTime(from: time, to: first[number]?.receivedAt ?? end)
            if wait > maxWait || slowest == nil {
                maxWait = max(maxWait, wait)
                slowest = number
            }
            if wait > bound { overBound.append((number, wait)) }
        }
        return Report(
            messages: typed.count, stored: first.count, lost: typed.keys.filter { first[$0] == nil }.sorted(),
            duplicated: duplicated.sorted(), outOfOrder: outOfOrder, maxWait: maxWait, slowest: slowest,
            overBound: overBound)
    }
}
