import COpusFile
import Foundation

/// Ogg Opus files through libopusfile, decoded at 48 kHz (Opus's own rate) with the header's
/// pre-skip and output gain applied.
final class OpusFileSource: AudioFileSource {
    let sampleRate = 48_000
    let channels: Int
    let length: Int?
    let formatName = "Ogg Opus"
    private let path: String
    private let file: OpaquePointer
    private var buffer: [Int16] = []

    init(path: String) throws(AudioFileError) {
        var error: Int32 = 0
        guard let file = op_open_file(path, &error) else {
            throw .unsupported(path: path, reason: Self.message(error))
        }
        self.path = path
        self.file = file
        channels = Int(op_channel_count(file, -1))
        let total = op_pcm_total(file, -1)
        length = total >= 0 ? Int(total) : nil
    }

    deinit { op_free(file) }

    /// True when the file starts with an Ogg page whose first packet is an Opus header.
    static func looksLikeOggOpus(path: String) -> Bool {
        guard let handle = fopen(path, "rb") else { return false }
        defer { fclose(handle) }
        var head = [UInt8](repeating: 0, count: 36)
        guard fread(&head, 1, head.count, handle) == head.count else { return false }
        return head[0..<4].elementsEqual("OggS".utf8) && head[28..<36].elementsEqual("OpusHead".utf8)
    }

    func readMono(maximum: Int) throws(AudioFileError) -> [Float] {
        // op_read returns at most one packet per call; loop until something comes or the end.
        let capacity = max(maximum, 5760) * max(channels, 1)
        if buffer.count < capacity { buffer = [Int16](repeating: 0, count: capacity) }
        while true {
            var link: Int32 = 0
            let read = buffer.withUnsafeMutableBufferPointer { target in
                op_read(file, target.baseAddress, Int32(capacity), &link)
            }
            if read == OP_HOLE { continue }  // a gap in the stream: skip it, as opusdec does
            if read < 0 { throw .corrupt(path: path, reason: Self.message(read)) }
            if read == 0 { return [] }
            let count = Int(op_channel_count(file, link))
            let floats = buffer[0..<(Int(read) * count)].map { Float($0) / 32768 }
            return floats.withUnsafeBufferPointer { downmix($0, channels: count, frames: Int(read)) }
        }
    }

    static func message(_ code: Int32) -> String {
        switch code {
        case OP_EREAD: "read error"
        case OP_EFAULT: "out of memory or internal error"
        case OP_EIMPL: "uses a feature libopusfile does not implement"
        case OP_EINVAL: "invalid stream"
        case OP_ENOTFORMAT: "not an Ogg Opus stream"
        case OP_EBADHEADER: "bad Opus header"
        case OP_EVERSION: "unknown Opus header version"
        case OP_ENOTAUDIO: "not audio"
        case OP_EBADPACKET: "bad Opus packet"
        case OP_EBADLINK: "bad link in the Ogg stream"
        case OP_ENOSEEK: "cannot seek"
        case OP_EBADTIMESTAMP: "bad timestamp"
        default: "libopusfile error \(code)"
        }
    }
}
