import ChatClient
import ChatModel
import Foundation

/// `/set` over config.toml: lists, shows, changes and clears its top-level keys. A change is
/// written only when the whole file still parses and its options are ones `parley chat` accepts
/// together; the file is replaced atomically (mode 600: a relay network name can be an access
/// token), its comments and other lines kept. `bell`/`no-bell` apply at once; the rest from
/// the next start.
actor ConfigSettings: ChatSettings {
    let path: String

    init(path: String) { self.path = path }

    func handle(_ request: UserCommand.SetRequest) async -> (lines: [String], isError: Bool, updates: [ModelUpdate]) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        switch request {
        case .list:
            let lines = ConfigEdit.topLevelLines(of: text)
            return (lines.isEmpty ? ["no settings in \(path)"] : ["settings in \(path):"] + lines, false, [])
        case .show(let key):
            let key = Self.bare(key)
            let line = ConfigEdit.topLevelLines(of: text).first { ConfigEdit.key(of: $0) == key }
            return ([line ?? "\(key) is not set in \(path): the default applies (parley(1))"], false, [])
        case .change(let key, let value):
            let key = Self.bare(key)
            return save(ConfigEdit.setting(key, to: ConfigEdit.literal(for: value), in: text), key: key, value: value)
        case .clear(let key):
            let key = Self.bare(key)
            return save(ConfigEdit.setting(key, to: nil, in: text), key: key, value: nil)
        }
    }

    private static func bare(_ key: String) -> String {
        String(key.drop { $0 == "-" })
    }

    private func save(_ text: String, key: String, value: String?) -> (
        lines: [String], isError: Bool, updates: [ModelUpdate]
    ) {
        do {
            let config = try ConfigFile.parse(text, path: path)
            try config.check(config.arguments(besides: []), commandLine: [])
            try ConfigEdit.write(text, to: path)
        } catch {
            return (["/set: \(error); nothing saved"], true, [])
        }
        let what = value.map { "\(key) = \(ConfigEdit.literal(for: $0))" } ?? "\(key) removed"
        if let bell = Self.bell(key: key, value: value) {
            return (["\(what) (saved in \(path)); applies now"], false, [.bellOnBackgroundMessage(bell)])
        }
        return (["\(what) (saved in \(path)); applies from the next start"], false, [])
    }

    /// Whether the bell rings for a background message after setting `key` to `value` (nil:
    /// cleared), when `key` is the bell's.
    private static func bell(key: String, value: String?) -> Bool? {
        let on = value.map { $0.lowercased() == "true" }
        switch key {
        case "bell": return on ?? true
        case "no-bell": return !(on ?? false)
        default: return nil
        }
    }
}
