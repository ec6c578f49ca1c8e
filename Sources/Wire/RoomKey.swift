/// A member's key for the room posts it sends through a relay's fan-out (docs/PROTOCOL.md
/// §14.12): handed to each other member inside their pairwise end-to-end session (frame
/// `roomKey`), never to the relay. `id` names the key in each post, so that a member who rotates
/// its key (when someone leaves) can be read under the old one until the new one has arrived.
public struct RoomKey: Equatable, Sendable {
    public let id: UInt32
    /// `RoomKey.keyBytes` bytes of ChaCha20-Poly1305 key.
    public let bytes: [UInt8]

    public static let keyBytes = 32
    /// Body of a `roomKey` frame: the ID, then the key.
    public static let encodedBytes = 4 + keyBytes

    public init?(id: UInt32, bytes: [UInt8]) {
        guard bytes.count == Self.keyBytes else { return nil }
        self.id = id
        self.bytes = bytes
    }

    /// A fresh key from the system's random generator, with a random ID.
    public static func random() -> RoomKey {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> RoomKey {
        RoomKey(id: generator.next(), bytes: (0..<keyBytes).map { _ in generator.next() })!
    }
}

extension RoomKey {
    /// Compares the key bytes in constant time.
    public static func == (lhs: RoomKey, rhs: RoomKey) -> Bool {
        lhs.id == rhs.id && ConstantTime.equal(lhs.bytes, rhs.bytes)
    }
}

extension RoomKey: CustomStringConvertible {
    /// The ID only: a key is never printed or logged.
    public var description: String { "room key \(id)" }
}
