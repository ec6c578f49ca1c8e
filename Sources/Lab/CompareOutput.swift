import Foundation

/// Where a comparison's outputs live: results.json (the raw results, from which everything else
/// derives), chart.svg and report.md, in one directory.
struct CompareOutput {
    let directory: String

    func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

    func write(_ results: CompareResults) throws(LabFailure) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(results).write(to: URL(fileURLWithPath: path("results.json")))
            try Data(CompareChart.render(results).utf8).write(to: URL(fileURLWithPath: path("chart.svg")))
            try Data(CompareReport.markdown(results).utf8).write(to: URL(fileURLWithPath: path("report.md")))
        } catch {
            throw LabFailure(message: "cannot write the results to \(directory): \(error.localizedDescription)")
        }
    }

    func read() throws(LabFailure) -> CompareResults {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path("results.json")))
            return try JSONDecoder().decode(CompareResults.self, from: data)
        } catch {
            throw LabFailure(message: "cannot read \(path("results.json")): \(error)")
        }
    }
}

extension CompareResults {
    /// Recomputes what derives from the raw results: the table, the cost model, the verdicts.
    mutating func derive() {
        table = CompareRows.make(models, settings: config)
        costModel = CostModel.fit(self)
        verdicts = CompareVerdicts.make(self)
    }
}

extension CompareLab {
    /// Reads `results.json` from `directory`, recomputes everything derived from the raw
    /// results with this version's code, rewrites the three files there and prints the table:
    /// a run's numbers read again without running it again.
    public static func rerender(directory: String) throws(LabFailure) {
        let output = CompareOutput(directory: directory)
        var results = try output.read()
        results.derive()
        try output.write(results)
        print(CompareTableText.render(results.table), terminator: "")
    }
}
