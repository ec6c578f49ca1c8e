import CALSA
import COpusEnc
import CSndfile

/// Versions of the audio libraries parley links, for `parley --version` style reports and for
/// a test that each one is really linked.
public enum AudioLibraries {
    /// libsndfile's version, for example "libsndfile-1.2.0".
    public static var sndfileVersion: String { String(cString: sf_version_string()) }
    /// libopusenc's version, for example "libopusenc 0.2.1".
    public static var opusencVersion: String { String(cString: ope_get_version_string()) }
    /// ALSA library version, for example "1.2.8".
    public static var alsaVersion: String { String(cString: snd_asoundlib_version()) }
}
