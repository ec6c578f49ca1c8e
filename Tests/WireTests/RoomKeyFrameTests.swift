import Testing

@testable import Wire

/// The `roomKey` frame (0x08): a member's room-post key, handed over in a pairwise session.
@Suite("Room key frame")
struct RoomKeyFrameTests {
    static let key = RoomKey(id: 0x0102_0304, bytes: Array(0..<32))!

    @Test func layoutIsTheIDThenTheKeyAndItRoundTrips() throws {
        let bytes = FrameCodec.encode(.roomKey(Self.key))
        #expect(bytes == [Frame.formatVersion, 0x08, 1, 2, 3, 4] + Array(0..<32))
        #expect(try FrameCodec.decode(bytes) == .frame(.roomKey(Self.key)))
        #expect(!Frame.roomKey(Self.key).isSessionFrame)
    }

    @Test func aShortKeyIsMalformedAndBytesAfterItAreIgnored() throws {
        let bytes = FrameCodec.encode(.roomKey(Self.key))
        #expect(throws: WireError.self) { try FrameCodec.decode(Array(bytes.dropLast())) }
        #expect(throws: WireError.self) { try FrameCodec.decode([1, 0x08, 1, 2]) }
        #expect(try FrameCodec.decode(bytes + [0xFF]) == .frame(.roomKey(Self.key)))
    }

    @Test func onlyThirtyTwoByteKeysAndNoKeyInItsDescription() {
        #expect(RoomKey(id: 1, bytes: Array(repeating: 0, count: 31)) == nil)
        #expect(RoomKey(id: 1, bytes: Array(repeating: 0, count: 33)) == nil)
        #expect("\(Self.key)" == "room key 16909060")
        #expect(RoomKey.random() != RoomKey.random())
    }
}
