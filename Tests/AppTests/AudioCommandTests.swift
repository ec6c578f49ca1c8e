import Foundation
import Testing
import Voice

@testable import ParleyApp

/// `parley audio devices`, on this machine's real ALSA configuration.
@Suite struct AudioCommandTests {
    @Test func theTableListsDefaultThenNullWithTheirStates() {
        let lines = AudioDeviceListing.table(AudioDevices.list())
        #expect(lines.first?.hasPrefix("NAME     PLAYBACK") == true, "\(lines)")
        #expect(lines.dropFirst().first?.hasPrefix("default  ") == true, "\(lines)")
        let null = lines.first { $0.hasPrefix("null ") }
        #expect(
            null?.range(of: #"^null +ok +ok +Discard all samples"#, options: .regularExpression) != nil,
            "\(String(describing: null))")
    }

    @Test func aDeviceWithoutADirectionShowsADash() {
        let devices = [
            AudioDevice(name: "mic", description: "A microphone", playback: false, capture: true, captureOpens: false)
        ]
        #expect(
            AudioDeviceListing.table(devices) == [
                "NAME  PLAYBACK  CAPTURE      DESCRIPTION", "mic   -         unavailable  A microphone",
            ])
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let text = AudioDeviceListing.json(AudioDevices.list())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["alsa", "devices"])
        let devices = try #require(object["devices"] as? [[String: Any]])
        let null = try #require(devices.first { $0["name"] as? String == "null" })
        #expect(
            Set(null.keys) == ["name", "description", "playback", "capture", "playbackOpens", "captureOpens"])
        #expect(null["playbackOpens"] as? Bool == true)
        let parsed = try Parley.parseAsRoot(["audio", "devices", "--json"])
        #expect((parsed as? AudioDevicesCommand)?.json == true)
    }
}
