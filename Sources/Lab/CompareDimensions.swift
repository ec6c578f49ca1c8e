/// The seed texts' dimensions, each with the rows of this run that measure it or the reason it
/// is not measured here (report.md's "Dimensions" section): nothing the seeds compare is
/// silently left out.
enum CompareDimensions {
    struct Dimension: Equatable {
        var name: String
        /// The table's rows that measure it, or empty when it is not measured.
        var rows: [String]
        /// Why it is not measured here, or what is still missing from it.
        var note: String?
    }

    /// The table rows each measured dimension names (those a text workload with `--capacity`
    /// has); a test holds them to the rows `CompareRows` makes.
    static let costRows = [
        "CPU per user-hour, all processes", "bytes sent per user-hour, all processes", "cost, all processes",
        "cost, busiest peer", "cost, relay",
    ]
    static let complexityRows = ["time to set up all sessions", "connections, busiest peer"]
    static let scalabilityRows = ["capacity: offered load at the knee"]
    static let resilienceRows = [
        "peer killed: delivered among others", "relay killed: delivered", "link cut: delivered among others",
    ]
    static var namedRows: [String] { costRows + complexityRows + scalabilityRows + resilienceRows }

    static func list(_ results: CompareResults) -> [Dimension] {
        let c = results.config
        let present = Set(results.table.map(\.dimension))
        func rows(_ names: [String]) -> [String] { names.filter(present.contains) }
        /// A measured dimension's note, or that this workload does not measure it.
        func measured(_ rows: [String], _ note: String) -> String {
            rows.isEmpty ? "not measured in the \(c.workload.rawValue) workload" : note
        }
        let cost = rows(costRows)
        let complexity = rows(complexityRows)
        let resilience = rows(resilienceRows)
        let scaling =
            (results.sweep.isEmpty ? [] : ["the sweep (report section \"Sweep\")"])
            + rows(scalabilityRows)
        return [
            Dimension(
                name: "content distribution", rows: [],
                note: "not measured: parley sends files one to one, but the room swarm (receivers passing pieces on) and the relay's blob store this compares are not built yet"),
            Dimension(
                name: "resource sharing", rows: [],
                note: "not measured, for the same reason: pieces spread over peers against pieces held by one server need the swarm"),
            Dimension(
                name: "distributed processing", rows: [],
                note: "not measured: the lab's workloads are chat and voice; no processing job is split across peers yet"),
            Dimension(
                name: "cost", rows: cost,
                note: measured(
                    cost,
                    String(
                        format: "priced at $%g a core-hour and $%g a GB sent (--price-core-hour, --price-gb)",
                        c.priceCoreHour, c.priceGB))),
            Dimension(
                name: "complexity", rows: complexity,
                note: measured(
                    complexity,
                    "NAT is not measured: the lab's hosts share one bridge with no address translation, and parley has no NAT traversal yet")),
            Dimension(
                name: "autonomy and control", rows: [],
                note: "not measured: neither the relay nor a lab peer refuses another in a run yet"),
            Dimension(
                name: "scalability", rows: scaling,
                note: results.sweep.isEmpty ? "give --sweep and --capacity to measure it" : nil),
            Dimension(
                name: "resilience", rows: resilience,
                note: measured(
                    resilience,
                    "faults run at \(c.peers) peers only, not at every N of the sweep, and there is no churn (peers leaving and joining at a rate) yet")),
        ]
    }

    static func markdown(_ results: CompareResults) -> String {
        var out = "\n## Dimensions\n\nEach dimension the seed texts compare, the rows that measure it, or why it is not measured here.\n\n"
        for dimension in list(results) {
            var parts: [String] = []
            if !dimension.rows.isEmpty { parts.append(dimension.rows.map { "“\($0)”" }.joined(separator: ", ")) }
            if let note = dimension.note { parts.append(note) }
            out += "- **\(dimension.name)**: \(parts.joined(separator: "; ")).\n"
        }
        return out
    }
}
