import Foundation
import Testing

@testable import TUI

/// Desktop notifications: only with a desktop and notify-send, paced, markup escaped. A fake
/// `notify-send` (a shell script on a PATH of our own) records what it was started with.
@Suite struct DesktopNotifierTests {
    let directory = NSTemporaryDirectory() + "parley-notify-\(UUID().uuidString)"

    func fakeNotifySend() throws -> [String: String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/notify-send"
        try "#!/bin/sh\nfor a in \"$@\"; do printf '%s|' \"$a\"; done >> '\(directory)/calls'\necho >> '\(directory)/calls'\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        return ["DISPLAY": ":0", "PATH": directory]
    }

    /// The lines the fake wrote, read once the `notify-send` it started has ended (so a loaded
    /// machine's slow start cannot be mistaken for no call); `count` lines are waited for after
    /// that too, as a guard. Whole lines only: the fake writes its arguments, then the line's end.
    func calls(expecting count: Int, after notifier: DesktopNotifier) async -> [String] {
        let deadline = ContinuousClock.now + .seconds(120)
        while notifier.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        var lines: [String] = []
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: directory + "/calls", encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            if lines.count >= count { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return lines
    }

    @Test func noDesktopOrNoNotifySendMeansNone() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = try fakeNotifySend()
        #expect(DesktopNotifier(environment: environment) != nil)
        #expect(DesktopNotifier(environment: ["WAYLAND_DISPLAY": "wayland-0", "PATH": directory]) != nil)
        environment["DISPLAY"] = ""
        #expect(DesktopNotifier(environment: environment) == nil, "no desktop")
        #expect(DesktopNotifier(environment: ["DISPLAY": ":0", "PATH": "/nonexistent"]) == nil, "no notify-send")
    }

    @Test func aFloodStartsOneAndTheNextComesAfterTheGap() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notifier = try #require(DesktopNotifier(environment: try fakeNotifySend()))
        let start = ContinuousClock.now
        #expect(notifier.notify(title: "parley", body: "bob: <b>hi</b> & \u{1B}[2J", now: start))
        for step in 1...50 {
            #expect(!notifier.notify(title: "parley", body: "flood \(step)", now: start + .milliseconds(step)))
        }
        #expect(await calls(expecting: 1, after: notifier) == ["--app-name=parley|--|parley|bob: &lt;b&gt;hi&lt;/b&gt; &amp; [2J|"])
        // Once the first has ended (calls waited for that), and after the gap, the next one starts.
        #expect(!notifier.isRunning)
        #expect(notifier.notify(title: "parley", body: "later", now: start + DesktopNotifier.minimumGap))
        #expect(await calls(expecting: 2, after: notifier).last == "--app-name=parley|--|parley|later|")
    }
}
