import Foundation

/// What one wake-up of the screen does with the terminal's input, apart from curses so a test
/// can count frames: everything read at once goes through the decoder, then through the screen
/// as one batch (`ChatScreen.handle(batch:)`), and the caller draws once, however many keys
/// came (a 4,000-character paste is one frame, not 4,000).
public enum InputBatch {
    /// Decodes `inputs` (one read's worth) and hands the keys to `screen`. `idle` is true when
    /// the wake-up was a tick with nothing to read: a lone Escape ends at once, an unterminated
    /// bracketed paste counts towards its end. Returns the effects, and whether to draw.
    public static func handle(
        _ inputs: [RawInput], idle: Bool, decoder: inout KeyDecoder, screen: inout ChatScreen, now: Date
    ) -> (effects: [ScreenEffect], draw: Bool) {
        var keys: [Key] = []
        for input in inputs { keys += decoder.feed(input) }
        if decoder.isPending || (idle && decoder.isInPaste) { keys += decoder.feed(.timeout) }
        guard !keys.isEmpty else { return ([], false) }
        return (screen.handle(batch: keys, now: now), true)
    }
}
