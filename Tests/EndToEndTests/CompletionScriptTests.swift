import Foundation
import Testing

/// The shell completions shipped in Assets/completions are what the binary generates, so they
/// never fall behind the options.
@Suite("Shell completions")
struct CompletionScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(arguments: ["bash", "zsh", "fish"])
    func shippedCompletionMatchesTheBinary(shell: String) async throws {
        let generated = try await ParleyProcess.run(["--generate-completion-script", shell])
        #expect(generated.status == 0)
        let shipped = try String(
            contentsOf: Self.root.appendingPathComponent("Assets/completions/parley.\(shell)"), encoding: .utf8)
        #expect(
            shipped.trimmingCharacters(in: .whitespacesAndNewlines)
                == generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
            "regenerate with: parley --generate-completion-script \(shell) > Assets/completions/parley.\(shell)")
    }
}
