import Foundation

/// The `parley chat` processes the tests start must not read the config.toml of the user running
/// the suite (`bell = false`, `plain = true` or a relay there would change what they do):
/// `XDG_CONFIG_HOME` points at a directory that does not exist, for this process and so for its
/// children. Set once, when a harness first looks up the binary, before any child starts.
public enum NoUserConfig {
    public static let directory = NSTemporaryDirectory() + "parley-tests-no-config"

    public static let applied: Void = {
        setenv("XDG_CONFIG_HOME", directory, 1)
    }()
}
