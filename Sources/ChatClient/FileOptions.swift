import Foundation

/// Who may have files stored without asking.
public enum FileAcceptPolicy: String, Sendable, CaseIterable {
    /// Every offer waits for `/accept` or `/reject`.
    case ask
    /// Offers from peers marked verified (`/verify NICK confirm`) are taken at once, others wait.
    case verified
    /// Every offer is taken at once (an unattended host).
    case any
}

/// What the chat's file transfers need to know.
public struct FileOptions: Sendable {
    public var downloads: String
    public var acceptFrom: FileAcceptPolicy
    /// Offers above this many bytes are never taken without `/accept`.
    public var maxAutoAcceptSize: UInt64

    public init(downloads: String, acceptFrom: FileAcceptPolicy = .ask, maxAutoAcceptSize: UInt64 = 4 << 30) {
        self.downloads = downloads
        self.acceptFrom = acceptFrom
        self.maxAutoAcceptSize = maxAutoAcceptSize
    }

    /// `$XDG_DOWNLOAD_DIR/parley`, or `~/Downloads/parley`.
    public static func defaultDownloads(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DOWNLOAD_DIR"], xdg.hasPrefix("/") { return xdg + "/parley" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/Downloads/parley"
    }
}
