/// Why an audio file could not be read or written. Each case names the file and says why, in
/// words a user can act on.
public enum AudioFileError: Error, Equatable, CustomStringConvertible {
    /// There is no file at the path.
    case notFound(path: String)
    /// The file exists but cannot be opened (permissions, a directory, an I/O error).
    case unreadable(path: String, reason: String)
    /// The file is not audio in a format parley reads, or its parameters are out of range.
    case unsupported(path: String, reason: String)
    /// The file holds no audio samples.
    case empty(path: String)
    /// Reading stopped partway: the file is damaged or truncated.
    case corrupt(path: String, reason: String)
    /// The file cannot be created or written (missing directory, permissions, disk full).
    case unwritable(path: String, reason: String)

    public var path: String {
        switch self {
        case .notFound(let path), .empty(let path): path
        case .unreadable(let path, _), .unsupported(let path, _), .corrupt(let path, _), .unwritable(let path, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .notFound(let path): "audio file '\(path)': no such file"
        case .unreadable(let path, let reason): "audio file '\(path)': cannot open it: \(reason)"
        case .unsupported(let path, let reason): "audio file '\(path)': not a supported audio file: \(reason)"
        case .empty(let path): "audio file '\(path)': holds no audio"
        case .corrupt(let path, let reason): "audio file '\(path)': damaged: \(reason)"
        case .unwritable(let path, let reason): "audio file '\(path)': cannot write it: \(reason)"
        }
    }
}
