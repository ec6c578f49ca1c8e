import COpus

/// Facts about the linked libopus, so that a missing or broken libopus shows at start-up,
/// not when a call begins.
public enum OpusInfo {
    /// The version string libopus reports, for example "libopus 1.3.1".
    public static var versionString: String {
        String(cString: opus_get_version_string())
    }
}
