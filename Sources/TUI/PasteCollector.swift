/// The text of one bracketed paste: what the terminal sends between `ESC [ 200 ~` and
/// `ESC [ 201 ~`, gathered scalar by scalar (a paste may arrive over many reads), bounded.
///
/// - A carriage return is a line break ("\r\n" is one); text is kept up to `limit` UTF-8 bytes
///   and the rest is dropped, with `cut` set: a paste never grows an unbounded buffer.
/// - A start marker inside the paste is dropped (nothing nests); an end marker ends it.
/// - A paste whose end marker never comes ends after `idleLimit` timeouts in a row (the screen
///   feeds one per idle tick), so a lost marker cannot swallow the keyboard.
struct PasteCollector: Equatable, Sendable {
    static let startMarker = Array("\u{1B}[200~".unicodeScalars)
    static let endMarker = Array("\u{1B}[201~".unicodeScalars)
    /// Idle timeouts in a row that end an unterminated paste.
    static let idleLimit = 5

    let limit: Int
    private(set) var text = ""
    private(set) var bytes = 0
    private(set) var cut = false
    /// Scalars that may be the start of a marker, held back until they are known not to be.
    private var held: [Unicode.Scalar] = []
    private var afterCarriageReturn = false
    private var idle = 0

    init(limit: Int) { self.limit = limit }

    var key: Key { .paste(text, cut: cut) }

    /// Takes one scalar of the paste; true when it completed the end marker.
    mutating func take(_ scalar: Unicode.Scalar) -> Bool {
        idle = 0
        held.append(scalar)
        if held == Self.endMarker { return true }
        if held == Self.startMarker {
            held = []
            return false
        }
        if Self.endMarker.starts(with: held) || Self.startMarker.starts(with: held) { return false }
        let scalars = held
        held = []
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\u{1B}" && index == scalars.count - 1 {
                held = [scalar]  // may begin the next marker
            } else {
                append(scalar)
            }
        }
        return false
    }

    /// A key curses decoded inside the paste: Enter is a line break, anything else is dropped
    /// (the decoder passes a resize on).
    mutating func take(_ key: Key) {
        idle = 0
        if key == .enter { append("\n") }
    }

    /// One idle timeout; true when the paste has waited long enough for its end marker.
    mutating func timeout() -> Bool {
        idle += 1
        guard idle >= Self.idleLimit else { return false }
        for scalar in held { append(scalar) }
        held = []
        return true
    }

    private mutating func append(_ scalar: Unicode.Scalar) {
        var scalar = scalar
        if scalar == "\n" && afterCarriageReturn {
            afterCarriageReturn = false
            return
        }
        afterCarriageReturn = scalar == "\r"
        if scalar == "\r" { scalar = "\n" }
        let size = UTF8.width(scalar)
        guard !cut, bytes + size <= limit else {
            cut = true
            return
        }
        text.unicodeScalars.append(scalar)
        bytes += size
    }
}
