import ArgumentParser
import Foundation
import TUI

/// `parley chat --color SLOT=STYLE` and `--mouse`: the full-screen client's colours (`[colors]` in
/// config.toml) and mouse.
struct ChatColorOptions: ParsableArguments {
    @Option(
        name: .customLong("color"),
        help: ArgumentHelp(
            "Full-screen client: draw SLOT (notice, error, separator, unread, delivered, failed, mention, verified, unread-count) in STYLE, such as 'bold yellow' (repeat for more).",
            valueName: "slot=style"))
    var colors: [String] = []

    @Flag(
        name: .customLong("mouse"),
        help: "Full-screen client: a click on the peers pane shows that window, the wheel scrolls (the terminal's own selection then needs Shift).")
    var mouse = false

    func validate() throws {
        _ = try overrides()
    }

    /// The slots and styles given, the last one winning for a slot.
    func overrides() throws -> [Theme.Slot: CellStyle] {
        var chosen: [Theme.Slot: CellStyle] = [:]
        for entry in colors {
            switch Theme.override(entry) {
            case .success(let (slot, style)): chosen[slot] = style
            case .failure(let error): throw ValidationError("--color \(error)")
            }
        }
        return chosen
    }

    /// The theme: colours unless NO_COLOR, with the slots chosen here.
    func theme(_ environment: [String: String]) -> Theme {
        var theme = Theme.fromEnvironment(environment)
        theme.overrides = (try? overrides()) ?? [:]
        return theme
    }
}
