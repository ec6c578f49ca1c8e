import Foundation

/// The SVG chart: latency distributions (CDF) per model, and with a sweep, per-node load and
/// latency against the number of peers. Plain SVG 1.1 text that any browser opens.
enum CompareChart {
    static let panelWidth = 520.0
    static let panelHeight = 300.0
    static let margin = (left: 70.0, right: 20.0, top: 40.0, bottom: 50.0)
    static let colors: [ModelKind: String] = [.peerToPeer: "#1f77b4", .clientServer: "#d62728"]

    struct Series {
        var label: String
        var color: String
        var points: [(x: Double, y: Double)]
        var dashed = false
        /// Error bars: the interval at each x (the median's, over the repeated runs).
        var bars: [(x: Double, low: Double, high: Double)] = []
    }

    /// The run whose p50 is the median of the runs' (the distribution shown for a repeated cell).
    static func medianRun<Run>(_ runs: [Run], _ summary: (Run) -> SampleSummary?) -> SampleSummary? {
        let summaries = runs.compactMap(summary).sorted { $0.p50 < $1.p50 }
        return summaries.isEmpty ? nil : summaries[(summaries.count - 1) / 2]
    }

    static func cdfPoints(_ summary: SampleSummary) -> [(x: Double, y: Double)] {
        summary.cdf.enumerated().dropLast().map { (x: $1, y: Double($0) / 100) }
    }

    static func render(_ results: CompareResults) -> String {
        var panels: [String] = []
        var cdfSeries: [Series] = []
        var notes: [String] = []
        for model in results.models {
            if let summary = medianRun(model.clean.values(), \.roundTripMilliseconds) {
                cdfSeries.append(
                    Series(label: model.model.rawValue, color: colors[model.model]!, points: cdfPoints(summary)))
            } else {
                notes.append("\(model.model.rawValue): n/a (\(model.clean.failures().first ?? "no samples"))")
            }
        }
        panels.append(
            panel(
                title: "Ack round trip from the scheduled send (CDF to p99, median run)",
                xLabel: "milliseconds (log scale)", yLabel: "fraction of messages", series: cdfSeries, notes: notes,
                yFixed: (0, 1), logX: true))
        if results.config.workload.hasVoice {
            var voiceSeries: [Series] = []
            var voiceNotes: [String] = []
            for model in results.models {
                if let summary = medianRun(model.voice.values(), { $0.oneWayMilliseconds }) {
                    voiceSeries.append(
                        Series(label: model.model.rawValue, color: colors[model.model]!, points: cdfPoints(summary)))
                } else {
                    voiceNotes.append("\(model.model.rawValue): n/a (\(model.voice.failures().first ?? "no samples"))")
                }
            }
            panels.append(
                panel(
                    title: "Voice one-way latency, send to arrival (CDF to p99, median run)",
                    xLabel: "milliseconds (log scale)", yLabel: "fraction of frames", series: voiceSeries,
                    notes: voiceNotes, yFixed: (0, 1), logX: true))
        }
        if !results.sweep.isEmpty {
            var load: [Series] = []
            var latency: [Series] = []
            var sweepNotes: [String] = []
            for model in ModelKind.allCases {
                let color = colors[model]!
                /// The median and interval over each N's runs of `metric`, as points and bars.
                func series(_ label: String, dashed: Bool = false, _ metric: (TextRunResult) -> Double?) -> Series {
                    var result = Series(label: label, color: color, points: [], dashed: dashed)
                    for point in results.sweep {
                        guard let estimate = Estimate(point.result(model).values().compactMap(metric)) else {
                            continue
                        }
                        let x = Double(point.peers)
                        result.points.append((x, estimate.median))
                        if estimate.runs > 1 { result.bars.append((x, estimate.low, estimate.high)) }
                    }
                    return result
                }
                for point in results.sweep where point.result(model).values().isEmpty {
                    sweepNotes.append(
                        "\(model.rawValue) at \(point.peers): n/a (\(point.result(model).failures().first ?? "no runs"))")
                }
                load.append(
                    series("\(model.rawValue): CPU ms per delivered message, all processes") { run in
                        run.delivered > 0 ? run.load.totalCPUSeconds * 1000 / Double(run.delivered) : nil
                    })
                latency.append(series("\(model.rawValue): p50") { $0.roundTripMilliseconds?.p50 })
                latency.append(series("\(model.rawValue): p99", dashed: true) { $0.roundTripMilliseconds?.p99 })
            }
            panels.append(
                panel(
                    title: "CPU per delivered message against the number of peers", xLabel: "peers",
                    yLabel: "ms per message", series: load, notes: sweepNotes, yFixed: nil))
            panels.append(
                panel(
                    title: "Ack round trip against the number of peers (median, interval)", xLabel: "peers",
                    yLabel: "milliseconds", series: latency, notes: sweepNotes, yFixed: nil))
        }
        let height = Double(panels.count) * panelHeight + 30
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(panelWidth))" height="\(Int(height))" \
            viewBox="0 0 \(Int(panelWidth)) \(Int(height))" font-family="sans-serif" font-size="11">
            <title>parley compare: \(escape(results.config.peers.description)) peers, \
            \(escape(results.config.workload.rawValue)) workload</title>
            <rect width="100%" height="100%" fill="white"/>

            """
        for (index, body) in panels.enumerated() {
            svg += "<g transform=\"translate(0,\(Int(Double(index) * panelHeight)))\">\n\(body)</g>\n"
        }
        svg += "<text x=\"10\" y=\"\(Int(height - 10))\" fill=\"#666\">\(escape(caption(results)))</text>\n</svg>\n"
        return svg
    }

    static func caption(_ results: CompareResults) -> String {
        "parley \(results.parleyVersion), \(results.machine.processors) CPUs, \(results.machine.kernel), "
            + (results.config.netns ? "network namespaces" : "loopback") + ", \(results.config.resourcesText), "
            + "\(results.machine.date)"
    }

    static func panel(
        title: String, xLabel: String, yLabel: String, series: [Series], notes: [String], yFixed: (Double, Double)?,
        logX: Bool = false
    ) -> String {
        let x0 = margin.left
        let x1 = panelWidth - margin.right
        let y0 = panelHeight - margin.bottom
        let y1 = margin.top
        let all = series.flatMap(\.points) + series.flatMap { $0.bars.map { (x: $0.x, y: $0.high) } }
        // On a log scale the axis spans whole decades around the samples.
        let positive = all.map(\.x).filter { $0 > 0 }
        let xMin =
            logX
            ? pow(10, floor(log10(positive.min() ?? 0.1))) : (all.map(\.x).min() ?? 0)
        let xMax =
            logX ? max(pow(10, ceil(log10(positive.max() ?? 1))), xMin * 10) : niceCeiling(all.map(\.x).max() ?? 1)
        let yMin = yFixed?.0 ?? 0
        let yMax = yFixed?.1 ?? niceCeiling(all.map(\.y).max() ?? 1)
        func sx(_ x: Double) -> Double {
            guard logX else { return x0 + (x - xMin) / max(xMax - xMin, 1e-9) * (x1 - x0) }
            return x0 + (log10(max(x, xMin)) - log10(xMin)) / (log10(xMax) - log10(xMin)) * (x1 - x0)
        }
        func sy(_ y: Double) -> Double { y0 - (y - yMin) / max(yMax - yMin, 1e-9) * (y0 - y1) }
        var out = "<text x=\"\(x0)\" y=\"20\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>\n"
        out += "<line x1=\"\(x0)\" y1=\"\(y0)\" x2=\"\(x1)\" y2=\"\(y0)\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(x0)\" y1=\"\(y0)\" x2=\"\(x0)\" y2=\"\(y1)\" stroke=\"black\"/>\n"
        var xTicks: [Double] = []
        if logX {
            let decades = Int(log10(xMax / xMin).rounded())
            for decade in 0...decades { xTicks.append(xMin * pow(10, Double(decade))) }
        } else {
            for step in 0...4 { xTicks.append(xMin + (xMax - xMin) * Double(step) / 4) }
        }
        for xv in xTicks {
            out += "<text x=\"\(f(sx(xv)))\" y=\"\(f(y0 + 15))\" text-anchor=\"middle\">\(tick(xv))</text>\n"
        }
        for step in 0...4 {
            let yv = yMin + (yMax - yMin) * Double(step) / 4
            out += "<text x=\"\(f(x0 - 5))\" y=\"\(f(sy(yv) + 4))\" text-anchor=\"end\">\(tick(yv))</text>\n"
            out += "<line x1=\"\(x0)\" y1=\"\(f(sy(yv)))\" x2=\"\(x1)\" y2=\"\(f(sy(yv)))\" stroke=\"#eee\"/>\n"
        }
        out += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(y0 + 35))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out +=
            "<text transform=\"translate(15,\(f((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        var legendY = y1 + 5
        for s in series where !s.points.isEmpty {
            let path = s.points.map { "\(f(sx($0.x))),\(f(sy($0.y)))" }.joined(separator: " ")
            let dash = s.dashed ? " stroke-dasharray=\"5,3\"" : ""
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>\n"
            out +=
                "<text x=\"\(f(x1 - 5))\" y=\"\(f(legendY))\" text-anchor=\"end\" fill=\"\(s.color)\">\(escape(s.label))</text>\n"
            for bar in s.bars {
                out +=
                    "<line x1=\"\(f(sx(bar.x)))\" y1=\"\(f(sy(bar.low)))\" x2=\"\(f(sx(bar.x)))\" y2=\"\(f(sy(bar.high)))\" stroke=\"\(s.color)\"/>\n"
                for y in [bar.low, bar.high] {
                    out +=
                        "<line x1=\"\(f(sx(bar.x) - 3))\" y1=\"\(f(sy(y)))\" x2=\"\(f(sx(bar.x) + 3))\" y2=\"\(f(sy(y)))\" stroke=\"\(s.color)\"/>\n"
                }
            }
            legendY += 14
        }
        for note in notes {
            out +=
                "<text x=\"\(f(x1 - 5))\" y=\"\(f(legendY))\" text-anchor=\"end\" fill=\"#666\">\(escape(note))</text>\n"
            legendY += 14
        }
        return out
    }

    /// 1, 2, 5 × 10^k at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    static func tick(_ value: Double) -> String {
        value == value.rounded() && abs(value) >= 1 ? String(Int(value)) : String(format: "%.3g", value)
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
