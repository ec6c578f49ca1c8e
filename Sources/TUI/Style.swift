/// The eight standard terminal colours, and the terminal's own default.
public enum TerminalColor: Int, Sendable, CaseIterable {
    case black = 0, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell is drawn: a foreground colour (nil: the terminal's default) and attributes.
/// Backgrounds are always the terminal's default; emphasis uses `reverse`.
public struct CellStyle: Hashable, Sendable {
    public var foreground: TerminalColor?
    public var bold: Bool
    public var dim: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(
        foreground: TerminalColor? = nil, bold: Bool = false, dim: Bool = false, underline: Bool = false,
        reverse: Bool = false
    ) {
        self.foreground = foreground
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
    }

    public static let plain = CellStyle()
}

/// Colours on or off, and the styles every pane uses. With `NO_COLOR` set (to anything but the
/// empty string, as no-color.org asks) the theme keeps bold, dim, underline and reverse only.
public struct Theme: Sendable, Equatable {
    public var colors: Bool
    /// Styles the user chose (`--color SLOT=STYLE`, `[colors]` in config.toml) over the defaults.
    public var overrides: [Slot: CellStyle] = [:]

    public init(colors: Bool) { self.colors = colors }

    /// The styles a user may choose.
    public enum Slot: String, CaseIterable, Sendable {
        case notice, error, separator, unread, delivered, failed, mention, verified
        case unreadCount = "unread-count"
    }

    private func style(_ slot: Slot, _ standard: CellStyle) -> CellStyle {
        colored(overrides[slot] ?? standard)
    }

    /// Colours unless `NO_COLOR` is set and not empty.
    public static func fromEnvironment(_ environment: [String: String]) -> Theme {
        Theme(colors: (environment["NO_COLOR"] ?? "").isEmpty)
    }

    /// The colours nicknames are drawn in; a peer always gets the same one.
    public static let nicknamePalette: [(TerminalColor, Bool)] = [
        (.red, false), (.green, false), (.yellow, false), (.blue, false), (.magenta, false), (.cyan, false),
        (.red, true), (.green, true), (.yellow, true), (.blue, true), (.magenta, true), (.cyan, true),
    ]

    /// The palette slot for a peer: FNV-1a over the peer ID's UTF-8 bytes, stable across runs
    /// and machines (Swift's `Hasher` is seeded per process, so it would not be).
    public static func nicknameSlot(for peerID: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in peerID.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(nicknamePalette.count))
    }

    public func nickname(_ peerID: String) -> CellStyle {
        let (color, bold) = Self.nicknamePalette[Self.nicknameSlot(for: peerID)]
        return colored(CellStyle(foreground: color, bold: bold))
    }

    public var timestamp: CellStyle { CellStyle(dim: true) }
    public var notice: CellStyle { style(.notice, CellStyle(foreground: .cyan, dim: true)) }
    public var error: CellStyle { style(.error, CellStyle(foreground: .red, bold: true)) }
    public var separator: CellStyle { style(.separator, CellStyle(foreground: .yellow, dim: true)) }
    public var unreadMarker: CellStyle { style(.unread, CellStyle(foreground: .red, bold: true)) }
    public var deliveryPending: CellStyle { CellStyle(dim: true) }
    public var deliveryDone: CellStyle { style(.delivered, CellStyle(foreground: .green)) }
    public var deliveryFailed: CellStyle { style(.failed, CellStyle(foreground: .red, bold: true)) }
    public var bar: CellStyle { CellStyle(reverse: true) }
    public var barEmphasis: CellStyle { CellStyle(bold: true, reverse: true) }
    public var barDimmed: CellStyle { CellStyle(dim: true, reverse: true) }
    public var paneBorder: CellStyle { CellStyle(dim: true) }
    public var selected: CellStyle { CellStyle(bold: true, reverse: true) }
    public var unreadCount: CellStyle { style(.unreadCount, CellStyle(foreground: .yellow, bold: true)) }
    public var verified: CellStyle { style(.verified, CellStyle(foreground: .green, bold: true)) }
    public var dimmed: CellStyle { CellStyle(dim: true) }
    /// A message naming you: bold, and yellow with colours.
    public var mention: CellStyle { style(.mention, CellStyle(foreground: .yellow, bold: true)) }

    /// The style as given with colours, or with its colour removed under `NO_COLOR`.
    public func colored(_ style: CellStyle) -> CellStyle {
        if colors { return style }
        var plain = style
        plain.foreground = nil
        return plain
    }
}

extension CellStyle {
    /// A style as the user writes it: words among the eight colour names, `default` (the
    /// terminal's colour), `bold`, `dim`, `underline` and `reverse`, such as `bold yellow`;
    /// nil for anything else or more than one colour.
    public init?(spec: String) {
        self.init()
        var colour: TerminalColor??
        for word in spec.lowercased().split(whereSeparator: \.isWhitespace) {
            switch word {
            case "bold": bold = true
            case "dim": dim = true
            case "underline": underline = true
            case "reverse": reverse = true
            case "default":
                guard colour == nil else { return nil }
                colour = .some(nil)
            default:
                guard colour == nil, let named = TerminalColor.allCases.first(where: { "\($0)" == word }) else {
                    return nil
                }
                colour = .some(named)
            }
        }
        guard colour != nil || bold || dim || underline || reverse else { return nil }
        foreground = colour ?? nil
    }
}

extension Theme {
    /// Why a `SLOT=STYLE` entry (`--color`, `[colors]` in config.toml) cannot be read.
    public struct OverrideError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// One `SLOT=STYLE` entry read.
    public static func override(_ entry: String) -> Result<(Slot, CellStyle), OverrideError> {
        let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let slot = Slot(rawValue: parts[0].lowercased()) else {
            let slots = Slot.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(OverrideError(description: "\(entry): the slot is one of \(slots)"))
        }
        guard let style = CellStyle(spec: parts[1]) else {
            return .failure(
                OverrideError(
                    description:
                        "\(entry): a style is a colour (black, red, green, yellow, blue, magenta, cyan, white or default) and bold, dim, underline or reverse"
                ))
        }
        return .success((slot, style))
    }

    /// The entries read in order, the last one winning for a slot; nil when one cannot be read.
    public static func overrides(_ entries: [String]) -> [Slot: CellStyle]? {
        var chosen: [Slot: CellStyle] = [:]
        for entry in entries {
            guard case .success(let (slot, style)) = override(entry) else { return nil }
            chosen[slot] = style
        }
        return chosen
    }
}
