import ArgumentParser
import Foundation
import Voice

/// `parley audio`: the sound devices parley can use.
struct AudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Show the audio devices parley can use for calls.",
        discussion: """
            Audio goes through ALSA. 'parley audio devices' lists the devices by their ALSA \
            names, the names parley takes for a microphone or a speaker.
            """,
        subcommands: [AudioDevicesCommand.self])
}

/// `parley audio devices [--json]`.
struct AudioDevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the ALSA playback and capture devices.",
        discussion: """
            Lists every ALSA PCM device (as 'aplay -L' and 'arecord -L' do), 'default' first, \
            and tries to open each one, without playing or recording anything, in each direction \
            it declares: ok when it opened, unavailable when it did not (no sound card behind \
            it, or another program holds it), - when the device does not play or capture. \
            The 'null' device discards what is played and captures silence.
            """)

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        let devices = AudioDevices.list()
        if json {
            print(AudioDeviceListing.json(devices))
        } else {
            for line in AudioDeviceListing.table(devices) { print(line) }
        }
    }
}

/// How `parley audio devices` prints the list.
enum AudioDeviceListing {
    static func table(_ devices: [AudioDevice]) -> [String] {
        let rows = devices.map { device in
            [
                device.name, state(device.playback, device.playbackOpens), state(device.capture, device.captureOpens),
                device.description,
            ]
        }
        let header = ["NAME", "PLAYBACK", "CAPTURE", "DESCRIPTION"]
        let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                + "  " + row[3]
        }
    }

    static func json(_ devices: [AudioDevice]) -> String {
        struct Listing: Encodable {
            let alsa: String
            let devices: [AudioDevice]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Listing(alsa: AudioLibraries.alsaVersion, devices: devices))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func state(_ declared: Bool, _ opens: Bool?) -> String {
        guard declared else { return "-" }
        switch opens {
        case true?: return "ok"
        case false?: return "unavailable"
        case nil: return "?"
        }
    }
}
