import CALSA
import Foundation

/// An ALSA PCM device a user can name with `--input-device` or `--output-device`.
public struct AudioDevice: Sendable, Hashable, Codable {
    /// The name to pass to ALSA ("default", "null", "hw:CARD=PCH,DEV=0", ...).
    public var name: String
    /// ALSA's description, first line only.
    public var description: String
    /// Whether the device is declared for playback (speaker) and capture (microphone).
    public var playback: Bool
    public var capture: Bool
    /// Whether it opened just now for each direction (nil: not tried, the device lacks it).
    public var playbackOpens: Bool?
    public var captureOpens: Bool?

    public init(
        name: String, description: String, playback: Bool, capture: Bool, playbackOpens: Bool? = nil,
        captureOpens: Bool? = nil
    ) {
        self.name = name
        self.description = description
        self.playback = playback
        self.capture = capture
        self.playbackOpens = playbackOpens
        self.captureOpens = captureOpens
    }
}

/// The ALSA devices on this machine.
public enum AudioDevices {
    /// Every PCM device ALSA's configuration and sound cards declare (`aplay -L`, `arecord -L`),
    /// with "default" first even where the configuration leaves it out. With `probe`, each is
    /// opened briefly (non-blocking) in each direction it declares, to say whether it works now.
    public static func list(probe: Bool = true) -> [AudioDevice] {
        ALSA.silenceErrors()
        var devices: [AudioDevice] = []
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        if snd_device_name_hint(-1, "pcm", &hints) == 0, let hints {
            var index = 0
            while let hint = hints[index] {
                index += 1
                guard let name = take(snd_device_name_get_hint(hint, "NAME")) else { continue }
                let description = take(snd_device_name_get_hint(hint, "DESC")) ?? ""
                let direction = take(snd_device_name_get_hint(hint, "IOID"))
                devices.append(
                    AudioDevice(
                        name: name,
                        description: description.split(separator: "\n").first.map(String.init) ?? "",
                        playback: direction != "Input", capture: direction != "Output"))
            }
            snd_device_name_free_hint(hints)
        }
        if !devices.contains(where: { $0.name == "default" }) {
            devices.insert(
                AudioDevice(
                    name: "default", description: "The default device of ALSA's configuration", playback: true,
                    capture: true),
                at: 0)
        }
        guard probe else { return devices }
        return devices.map { device in
            var probed = device
            if device.playback { probed.playbackOpens = opens(device.name, SND_PCM_STREAM_PLAYBACK) }
            if device.capture { probed.captureOpens = opens(device.name, SND_PCM_STREAM_CAPTURE) }
            return probed
        }
    }

    private static func opens(_ name: String, _ stream: snd_pcm_stream_t) -> Bool {
        var pcm: OpaquePointer?
        guard snd_pcm_open(&pcm, name, stream, SND_PCM_NONBLOCK) == 0, let pcm else { return false }
        snd_pcm_close(pcm)
        return true
    }

    /// A string ALSA allocated, copied and freed.
    private static func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

/// Process-wide ALSA set-up.
enum ALSA {
    private static let quiet: Void = { parley_alsa_silence_errors() }()

    /// ALSA prints its own errors to stderr; parley reports them itself, once, in its words.
    static func silenceErrors() { _ = quiet }
}
