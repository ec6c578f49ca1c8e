import Net

/// Tells the chat's user when the listener turns connections away: a notice with the counters
/// (`ListenerStats.summary`) whenever they grew, at most once per `interval`, so a flood of
/// refused connections is visible without flooding the screen.
public enum ListenerWatch {
    /// How often the counters are looked at: often enough to say what happens while it happens,
    /// seldom enough that an attack yields a line every few seconds, not thousands.
    static let interval: Duration = .seconds(2)

    /// Runs until cancelled (a job of the chat's run: it ends with the chat).
    public static func run(server: SessionServer, display: any ChatDisplay) async {
        var shown = ListenerStats()
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let stats = server.stats
            guard stats.refused > shown.refused || stats.acceptErrors > shown.acceptErrors else { continue }
            shown = stats
            display.show(.notice("listener: \(stats.summary)", in: .room))
        }
    }
}
