/// A key press, after escape sequences and curses key codes are decoded.
public enum Key: Hashable, Sendable {
    /// A printable character (one Unicode scalar as typed; the editor joins graphemes).
    case character(Character)
    /// Ctrl with a letter, lowercase: `.control("a")` is Ctrl-A.
    case control(Character)
    /// Alt (Meta, or Escape then the key) with a character: `.alt("b")`, `.alt("1")`.
    case alt(Character)
    case enter, tab, backTab, backspace, altBackspace, delete, insert, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case controlLeft, controlRight, controlHome, controlEnd
    /// F1 to F12.
    case function(Int)
    /// The terminal changed size.
    case resize
    /// Text pasted in one piece (between bracketed-paste markers, or detected by `PasteDetector`),
    /// line breaks as "\n"; `cut` when it was longer than the decoder's limit and the rest dropped.
    case paste(String, cut: Bool)
    /// A click or a turn of the wheel (`--mouse`), at a screen cell.
    case mouse(MouseEvent)
    /// A sequence the decoder did not recognise; ignored.
    case unknown
}

public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case click, wheelUp, wheelDown }
    public var kind: Kind
    public var row: Int
    public var column: Int

    public init(_ kind: Kind, row: Int, column: Int) {
        self.kind = kind
        self.row = row
        self.column = column
    }
}

/// What the terminal reads, before decoding: one Unicode scalar, a key curses recognised, or
/// "nothing more arrived" (which ends a lone Escape).
public enum RawInput: Hashable, Sendable {
    case scalar(Unicode.Scalar)
    case key(Key)
    case timeout
}
