import Crypto
import Foundation

@testable import Noise

typealias PrivateKey = Curve25519.KeyAgreement.PrivateKey
typealias PublicKey = Curve25519.KeyAgreement.PublicKey

struct HexError: Error, CustomStringConvertible {
    let text: String
    var description: String { "not hex: \(text)" }
}

extension Array where Element == UInt8 {
    init(hex: String) throws {
        guard hex.count % 2 == 0 else { throw HexError(text: hex) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { throw HexError(text: hex) }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

func privateKey(hex: String) throws -> PrivateKey {
    try PrivateKey(rawRepresentation: [UInt8](hex: hex))
}

func publicKey(hex: String) throws -> PublicKey {
    try PublicKey(rawRepresentation: [UInt8](hex: hex))
}

/// Bytes that are not all zero, for payloads.
func bytes(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

/// Distinct 32-byte pre-shared keys, as many as `pattern` takes.
func psks(for pattern: HandshakePattern) -> [[UInt8]] {
    (0..<pattern.pskCount).map { bytes(32, seed: UInt8(100 + $0)) }
}

/// A pair of handshake states for `pattern` with fresh random static keys as the
/// pattern needs them.
func makePair(
    _ pattern: HandshakePattern,
    prologue: [UInt8] = Array("parley test".utf8),
    psks: [[UInt8]] = []
) throws -> (initiator: HandshakeState, responder: HandshakeState) {
    let initiatorStatic = PrivateKey()
    let responderStatic = PrivateKey()
    let initiator = try HandshakeState(
        pattern: pattern, initiator: true, prologue: prologue,
        staticKey: initiatorStatic, remoteStaticKey: responderStatic.publicKey, presharedKeys: psks
    )
    let responder = try HandshakeState(
        pattern: pattern, initiator: false, prologue: prologue,
        staticKey: responderStatic, remoteStaticKey: initiatorStatic.publicKey, presharedKeys: psks
    )
    return (initiator, responder)
}

/// Drives a handshake to completion with the given payloads and returns both
/// transport states.
func completeHandshake(
    _ initiator: inout HandshakeState,
    _ responder: inout HandshakeState,
    payload: [UInt8] = []
) throws -> (initiator: TransportState, responder: TransportState) {
    while !initiator.isComplete || !responder.isComplete {
        if initiator.isMyTurnToWrite {
            _ = try responder.readMessage(try initiator.writeMessage(payload: payload))
        } else {
            _ = try initiator.readMessage(try responder.writeMessage(payload: payload))
        }
    }
    return (try initiator.finish(), try responder.finish())
}

/// The error `body` throws, or nil if it returns normally.
func thrownError(_ body: () throws -> Void) -> (any Error)? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
