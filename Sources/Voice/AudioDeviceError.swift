import CALSA
import Foundation

/// Why a microphone or speaker could not be used. Each case names the device.
public enum AudioDeviceError: Error, Equatable, CustomStringConvertible {
    /// ALSA knows no device by that name, or the sound card it points at is missing.
    case unknownDevice(name: String)
    /// Another program holds the device.
    case busy(name: String)
    /// The device exists but refused to open.
    case cannotOpen(name: String, reason: String)
    /// The device cannot take parley's sample format, rate or channel count.
    case unsupportedFormat(name: String, format: PCMFormat, reason: String)
    /// Reading or writing failed partway (the device was unplugged, or broke).
    case failed(name: String, reason: String)

    public var name: String {
        switch self {
        case .unknownDevice(let name), .busy(let name): name
        case .cannotOpen(let name, _), .unsupportedFormat(let name, _, _), .failed(let name, _): name
        }
    }

    public var description: String {
        switch self {
        case .unknownDevice(let name):
            "audio device '\(name)': no such ALSA device, or no sound card behind it "
                + "('parley audio devices' lists the devices)"
        case .busy(let name): "audio device '\(name)': in use by another program"
        case .cannotOpen(let name, let reason): "audio device '\(name)': cannot open it: \(reason)"
        case .unsupportedFormat(let name, let format, let reason):
            "audio device '\(name)': cannot use \(format) 16-bit: \(reason)"
        case .failed(let name, let reason): "audio device '\(name)': stopped working: \(reason)"
        }
    }

    /// The error for a failed `snd_pcm_open`.
    static func opening(_ name: String, code: Int32) -> AudioDeviceError {
        switch -code {
        case ENOENT, ENODEV, ENXIO: .unknownDevice(name: name)
        case EBUSY, EAGAIN: .busy(name: name)
        default: .cannotOpen(name: name, reason: alsaMessage(code))
        }
    }
}

/// ALSA's text for an error code.
func alsaMessage(_ code: Int32) -> String { String(cString: snd_strerror(code)) }
