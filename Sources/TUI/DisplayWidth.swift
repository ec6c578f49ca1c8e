/// How many terminal columns text takes, measured per grapheme cluster (a Swift `Character`),
/// and the text made safe to draw.
///
/// Rules, close to glibc's `wcwidth` (which ncurses and most terminals follow):
/// - a grapheme is as wide as its first scalar: East Asian Wide and Fullwidth are 2 columns,
///   emoji with emoji presentation are 2, everything else printable is 1;
/// - an emoji sequence (variation selector 16, a zero-width-joiner family, a flag of two
///   regional indicators, a keycap) is one grapheme of 2 columns, never the sum of its parts;
/// - combining marks, format characters and variation selectors inside a grapheme add nothing.
///
/// Text from peers goes through `sanitized` first, so every grapheme drawn is 1 or 2 columns:
/// control characters cannot move the cursor or reach the terminal as escape sequences.
public enum DisplayWidth {
    /// Columns taken by one grapheme cluster as drawn after `sanitized`: 0, 1 or 2.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.count == 1 { return of(first) }
        if isRegionalIndicator(first) { return 2 }
        if first.properties.isEmoji && scalars.contains("\u{FE0F}") { return 2 }
        let base = of(first)
        if base > 0 { return base }
        // A cluster that starts with a zero-width scalar (rare: only at the start of a string).
        return scalars.map(of).max() ?? 0
    }

    /// Columns taken by a string: the sum over its grapheme clusters.
    public static func of(_ text: some StringProtocol) -> Int {
        var total = 0
        for character in text { total += of(character) }
        return total
    }

    /// Columns taken by one scalar on its own. Control characters count 0 here; `sanitized`
    /// replaces them before anything is drawn.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x7F { return value < 0x20 ? 0 : 1 }
        if value < 0xA0 { return 0 }  // DEL and the C1 controls
        if value == 0xAD { return 1 }  // soft hyphen: glibc draws it
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control, .surrogate:
            return 0
        default:
            break
        }
        if (0x1160...0x11FF).contains(value) || value == 0x200B { return 0 }  // Hangul medial/final jamo, ZWSP
        if isRegionalIndicator(scalar) { return 1 }  // a lone one; a pair (a flag) is one grapheme of 2
        if scalar.properties.isEmojiPresentation { return 2 }
        return EastAsianWide.contains(value) ? 2 : 1
    }

    /// The text with everything a terminal would act on replaced: a tab becomes a space, other
    /// control characters (C0, DEL, C1) become U+FFFD, bidirectional overrides and isolates are
    /// dropped (they could reorder what the user reads), a grapheme that would start with a
    /// combining mark gets a no-break space to sit on, and zero-width graphemes are dropped.
    public static func sanitized(_ text: some StringProtocol) -> String {
        fixingGraphemes(replacingControls(text))
    }

    /// The scalar half of `sanitized`: tabs, control characters and bidirectional controls.
    static func replacingControls(_ text: some StringProtocol) -> String {
        guard
            text.unicodeScalars.contains(where: {
                $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) || isBidiControl($0.value)
            })
        else { return String(text) }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0x09 {
                scalars.append(" ")
            } else if value < 0x20 || (0x7F..<0xA0).contains(value) {
                scalars.append("\u{FFFD}")
            } else if !isBidiControl(value) {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// The grapheme half of `sanitized`: a base for a leading combining mark, no zero-width graphemes.
    static func fixingGraphemes(_ text: String) -> String {
        guard text.contains(where: { of($0) == 0 || startsWithMark($0) }) else { return text }
        var result = ""
        for character in text {
            if startsWithMark(character) {
                result.unicodeScalars.append("\u{00A0}")
                result.unicodeScalars.append(contentsOf: character.unicodeScalars)
            } else if of(character) > 0 {
                result.append(character)
            }
        }
        return result
    }

    /// The longest prefix of `text` that fits in `columns`, never splitting a grapheme.
    public static func prefix(of text: String, fitting columns: Int) -> Substring {
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let width = of(text[index])
            if used + width > columns { break }
            used += width
            end = text.index(after: index)
        }
        return text[..<end]
    }

    static func isRegionalIndicator(_ scalar: Unicode.Scalar) -> Bool {
        (0x1F1E6...0x1F1FF).contains(scalar.value)
    }

    static func isBidiControl(_ value: UInt32) -> Bool {
        (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value) || value == 0x200E
            || value == 0x200F || value == 0x061C
    }

    static func startsWithMark(_ character: Character) -> Bool {
        guard let first = character.unicodeScalars.first else { return false }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return true
        default: return false
        }
    }
}

extension DisplayWidth {
    /// Most code points curses keeps in one cell (ncurses' CCHARW_MAX).
    public static let maximumScalarsPerCell = 5

    /// The scalars of a grapheme that can be sent to any terminal without moving its cursor
    /// differently from our layout: the base and the combining marks after it. An emoji
    /// sequence is cut at its first joiner, variation selector or skin-tone modifier, since
    /// terminals that measure by code point would give each part its own columns; what
    /// remains is the sequence's first emoji, in the same two columns.
    public static func drawableScalars(of character: Character) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        for scalar in character.unicodeScalars {
            if scalars.isEmpty {
                scalars.append(scalar)
                continue
            }
            let value = scalar.value
            let isJoinerOrSelector = value == 0x200D || (0xFE00...0xFE0F).contains(value)
            if isJoinerOrSelector || of(scalar) != 0 || scalars.count == maximumScalarsPerCell {
                if isRegionalIndicator(scalar) && scalars.count == 1 && isRegionalIndicator(scalars[0]) {
                    scalars.append(scalar)  // a flag: two indicators of one column each
                }
                break
            }
            scalars.append(scalar)
        }
        return scalars
    }
}
