/// Turns raw terminal input into keys: control characters into `.control`, Escape followed by a
/// key into `.alt`, and the ANSI sequences curses left undecoded (CSI and SS3, such as
/// `ESC [ 1 ; 5 H` for Ctrl-Home) into their keys, and a bracketed paste (`ESC [ 200 ~` text
/// `ESC [ 201 ~`) into one `.paste` key, however many reads it spans (see `PasteCollector`).
/// A value: feed it input, get keys.
public struct KeyDecoder: Equatable, Sendable {
    /// Parameter and intermediate bytes kept for one CSI sequence before it is dropped as garbage.
    public static let maximumSequenceLength = 16

    private enum State: Equatable, Sendable {
        case ground
        case escape
        /// After `ESC [` (csi) or `ESC O` (ss3), with the bytes so far.
        case sequence(introducer: Character, bytes: String)
    }

    private var state = State.ground
    /// The paste being read, outside `state` so its text grows in place.
    private var paste: PasteCollector?
    /// Most UTF-8 bytes a paste keeps; the rest is dropped and the paste marked cut.
    public let pasteLimit: Int

    public init(pasteLimit: Int = LineEditor.maximumBytes) {
        self.pasteLimit = pasteLimit
    }

    /// True while an Escape waits for the next key: the adapter feeds `.timeout` when none comes.
    public var isPending: Bool { state != .ground }
    /// True inside a bracketed paste: the adapter feeds `.timeout` on idle ticks only (a paste
    /// may pause between reads; a lost end marker ends it after `PasteCollector.idleLimit`).
    public var isInPaste: Bool { paste != nil }

    public mutating func feed(_ input: RawInput) -> [Key] {
        if paste != nil { return feedPaste(input) }
        switch (state, input) {
        case (_, .key(let key)):
            let flushed = flush()
            return flushed + [key]
        case (_, .timeout):
            return flush()
        case (.ground, .scalar(let scalar)):
            if scalar == "\u{1B}" {
                state = .escape
                return []
            }
            return [Self.plain(scalar)]
        case (.escape, .scalar(let scalar)):
            switch scalar {
            case "\u{1B}":
                return [.escape]  // stay pending for the second one
            case "[", "O":
                state = .sequence(introducer: Character(scalar), bytes: "")
                return []
            default:
                state = .ground
                switch Self.plain(scalar) {
                case .character(let character): return [.alt(character)]
                case .control: return [.unknown]  // Ctrl-Alt chords are not bound
                case .backspace: return [.altBackspace]
                case let other: return [other]
                }
            }
        case (.sequence(let introducer, let bytes), .scalar(let scalar)):
            let value = scalar.value
            if (0x20...0x3F).contains(value) && bytes.count < Self.maximumSequenceLength {
                state = .sequence(introducer: introducer, bytes: bytes + String(Character(scalar)))
                return []
            }
            state = .ground
            if introducer == "[" && bytes == "200" && scalar == "~" {
                paste = PasteCollector(limit: pasteLimit)
                return []
            }
            if (0x40...0x7E).contains(value) {
                return [Self.sequence(introducer: introducer, bytes, final: Character(scalar))]
            }
            return [.unknown]
        }
    }

    private mutating func feedPaste(_ input: RawInput) -> [Key] {
        switch input {
        case .scalar(let scalar):
            guard paste!.take(scalar) else { return [] }
        case .key(.resize):
            return [.resize]  // the screen still follows the terminal's size
        case .key(let key):
            paste!.take(key)
            return []
        case .timeout:
            guard paste!.timeout() else { return [] }
        }
        defer { paste = nil }
        return [paste!.key]
    }

    /// Ends whatever is pending: a lone Escape is the Escape key; an unfinished sequence is dropped.
    private mutating func flush() -> [Key] {
        defer { state = .ground }
        switch state {
        case .ground: return []
        case .escape: return [.escape]
        case .sequence(let introducer, let bytes):
            return bytes.isEmpty && introducer == "[" ? [.alt("[")] : bytes.isEmpty ? [.alt("O")] : [.unknown]
        }
    }

    /// A scalar on its own.
    static func plain(_ scalar: Unicode.Scalar) -> Key {
        switch scalar.value {
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0x01...0x1A: return .control(Character(Unicode.Scalar(scalar.value + 0x60)!))
        case 0x00, 0x1C...0x1F, 0x80...0x9F: return .unknown
        default: return .character(Character(scalar))
        }
    }

    /// The keys of the common xterm and VT220 sequences.
    static func sequence(introducer: Character, _ bytes: String, final: Character) -> Key {
        let parameters = bytes.split(separator: ";").map(String.init)
        let modifier = parameters.count > 1 ? Int(parameters[1]) ?? 1 : 1
        let control = modifier == 5
        switch final {
        case "A": return .up
        case "B": return .down
        case "C": return control ? .controlRight : .right
        case "D": return control ? .controlLeft : .left
        case "H": return control ? .controlHome : .home
        case "F": return control ? .controlEnd : .end
        case "Z": return .backTab
        case "P", "Q", "R", "S":
            return introducer == "O" || bytes.hasPrefix("1") ? .function(Self.ss3Function(final)) : .unknown
        case "~":
            switch parameters.first ?? "" {
            case "1", "7": return control ? .controlHome : .home
            case "4", "8": return control ? .controlEnd : .end
            case "2": return .insert
            case "3": return .delete
            case "5": return .pageUp
            case "6": return .pageDown
            default: return .unknown  // a stray paste end marker, function keys we do not bind
            }
        default: return .unknown
        }
    }

    private static func ss3Function(_ final: Character) -> Int {
        switch final {
        case "P": 1
        case "Q": 2
        case "R": 3
        default: 4
        }
    }
}
