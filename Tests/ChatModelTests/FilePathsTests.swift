import ChatModel
import Testing

@Suite("/file paths")
struct FilePathsTests {
    @Test func wordsSplitAsAShellWould() {
        #expect(FilePaths.words("a b  c") == ["a", "b", "c"])
        #expect(FilePaths.words("'My Talk.mp4' \"x y\" a\\ b") == ["My Talk.mp4", "x y", "a b"])
        #expect(FilePaths.words("\"say \\\"hi\\\"\" 'it\\s'") == ["say \"hi\"", "it\\s"])
        #expect(FilePaths.words("''") == [""])
        #expect(FilePaths.words("'open") == nil)
        #expect(FilePaths.words("end\\") == nil)
    }

    @Test func aWholeRestThatExistsIsOnePath() {
        #expect(FilePaths.split("~/My Talk.mp4", exists: { $0 == "~/My Talk.mp4" }) == ["~/My Talk.mp4"])
        #expect(FilePaths.split("a.txt b.txt", exists: { _ in false }) == ["a.txt", "b.txt"])
    }
}
