import Testing
import Wire

/// `LengthPrefixReassembler.hasCompleteMessage`: what lets a reader take a few messages at a
/// time and know that more are waiting.
@Suite("LengthPrefixReassembler.hasCompleteMessage")
struct LengthPrefixCompleteTests {
    @Test func trueExactlyWhenNextWouldReturnOrThrowWithoutMoreBytes() throws {
        var r = LengthPrefixReassembler(maxMessageLength: 4)
        #expect(!r.hasCompleteMessage)
        r.append([0])
        #expect(!r.hasCompleteMessage, "half a header")
        r.append([3, 0xAA, 0xBB])
        #expect(!r.hasCompleteMessage, "one byte of the body missing")
        r.append([0xCC, 0, 0])
        #expect(r.hasCompleteMessage)
        #expect(try r.next() == [0xAA, 0xBB, 0xCC])
        #expect(r.hasCompleteMessage, "an empty message is whole with its header")
        #expect(try r.next() == [])
        #expect(!r.hasCompleteMessage)
    }

    @Test func aHeaderPastTheLimitCountsAsCompleteSoThatItIsRefusedAtOnce() {
        var r = LengthPrefixReassembler(maxMessageLength: 4)
        r.append([0, 4])
        #expect(!r.hasCompleteMessage, "at the limit: waits for its body")
        var past = LengthPrefixReassembler(maxMessageLength: 4)
        past.append([0, 5])
        #expect(past.hasCompleteMessage, "one past the limit")
        #expect(throws: WireError.self) { try past.next() }
    }
}
