import Foundation
import RunSupport

/// Desktop notifications through `notify-send` (libnotify), beside the terminal's own (OSC 777
/// and the bell), for a mention or a private message off screen. Only when a desktop is there
/// (`DISPLAY` or `WAYLAND_DISPLAY` set) and `notify-send` is on `PATH`; at most one every
/// `minimumGap` and never two at once, so a flood of mentions cannot start a flood of
/// processes. The text is escaped, since notification daemons read the body as markup.
public final class DesktopNotifier: @unchecked Sendable {
    public static let minimumGap: Duration = .seconds(2)
    /// Longest body sent, in characters.
    public static let maximumBody = 200

    let executable: String
    private let lock = NSLock()
    private var last: ContinuousClock.Instant?
    private var running: ChildProcess?

    /// Nil when there is no desktop or no `notify-send`.
    public init?(environment: [String: String]) {
        let desktop = [environment["DISPLAY"], environment["WAYLAND_DISPLAY"]].contains { !($0 ?? "").isEmpty }
        guard desktop else { return nil }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let found = path.split(separator: ":").map({ String($0) + "/notify-send" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return nil }
        executable = found
    }

    /// Starts `notify-send` unless one ran less than `minimumGap` ago or still runs; true when it
    /// started one.
    @discardableResult
    public func notify(title: String, body: String, now: ContinuousClock.Instant = .now) -> Bool {
        lock.withLock {
            if let last, now - last < Self.minimumGap { return false }
            if let running, running.isRunning { return false }
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["--app-name=parley", "--", Self.plain(title, limit: 40), Self.plain(body, limit: Self.maximumBody)]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return false }
            running = process
            last = now
            return true
        }
    }

    /// Whether the last `notify-send` started still runs.
    var isRunning: Bool { lock.withLock { running?.isRunning ?? false } }

    /// Control characters dropped, markup escaped, cut to `limit` characters.
    static func plain(_ text: String, limit: Int) -> String {
        notificationText(text, limit: limit).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
