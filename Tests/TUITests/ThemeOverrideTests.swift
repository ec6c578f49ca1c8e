import Testing

@testable import TUI

/// Colours the user chooses: a style in words, put over the default of one slot, and still
/// without colour under NO_COLOR.
@Suite struct ThemeOverrideTests {
    @Test func stylesInWords() {
        #expect(CellStyle(spec: "bold yellow") == CellStyle(foreground: .yellow, bold: true))
        #expect(CellStyle(spec: "  Green  underline") == CellStyle(foreground: .green, underline: true))
        #expect(CellStyle(spec: "default") == CellStyle())
        #expect(CellStyle(spec: "dim reverse") == CellStyle(dim: true, reverse: true))
        #expect(CellStyle(spec: "red blue") == nil, "one colour")
        #expect(CellStyle(spec: "purple") == nil)
        #expect(CellStyle(spec: "") == nil)
    }

    @Test func anOverrideReplacesOneSlotAndNoColorStillWins() {
        var theme = Theme(colors: true)
        theme.overrides[.mention] = CellStyle(foreground: .magenta, underline: true)
        #expect(theme.mention == CellStyle(foreground: .magenta, underline: true))
        #expect(theme.error == CellStyle(foreground: .red, bold: true), "the others keep their default")
        theme.colors = false
        #expect(theme.mention == CellStyle(underline: true))
    }
}
