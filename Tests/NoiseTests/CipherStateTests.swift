import Crypto
import Foundation
import Testing

@testable import Noise

@Suite("CipherState")
struct CipherStateTests {
    let key = SymmetricKey(data: bytes(32, seed: 7))

    @Test("ENCRYPT is ChaChaPoly with 4 zero bytes and a little-endian counter as nonce")
    func nonceLayout() throws {
        var cipher = CipherState(key: key)
        cipher.setNonce(0x0102_0304_0506_0708)
        let ad = Array("ad".utf8)
        let ciphertext = try cipher.encrypt(ad: ad, plaintext: Array("hello".utf8))

        let nonce = try ChaChaPoly.Nonce(data: [0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01])
        let box = try ChaChaPoly.seal(Array("hello".utf8), using: key, nonce: nonce, authenticating: ad)
        #expect(ciphertext == Array(box.ciphertext) + Array(box.tag))
        #expect(cipher.nonce == 0x0102_0304_0506_0709)
    }

    @Test("without a key, data passes through and the nonce stays put")
    func noKey() throws {
        var cipher = CipherState(key: nil)
        #expect(!cipher.hasKey)
        #expect(try cipher.encrypt(ad: [1], plaintext: [1, 2, 3]) == [1, 2, 3])
        #expect(try cipher.decrypt(ad: [1], ciphertext: [1, 2, 3]) == [1, 2, 3])
        #expect(cipher.nonce == 0)
    }

    @Test("round trip, and each message advances the nonce by one")
    func roundTrip() throws {
        var sender = CipherState(key: key)
        var receiver = CipherState(key: key)
        for n in 0..<5 {
            let message = try sender.encrypt(ad: [UInt8(n)], plaintext: bytes(n * 10))
            #expect(message.count == n * 10 + NoiseSuite.tagLength)
            #expect(try receiver.decrypt(ad: [UInt8(n)], ciphertext: message) == bytes(n * 10))
        }
        #expect(sender.nonce == 5)
        #expect(receiver.nonce == 5)
    }

    @Test("a failed decryption does not advance the nonce")
    func failedDecryptKeepsNonce() throws {
        var sender = CipherState(key: key)
        var receiver = CipherState(key: key)
        let message = try sender.encrypt(ad: [], plaintext: bytes(20))
        var forged = message
        forged[3] ^= 0x40
        #expect(throws: NoiseError.decryptionFailed) { try receiver.decrypt(ad: [], ciphertext: forged) }
        #expect(throws: NoiseError.decryptionFailed) { try receiver.decrypt(ad: [9], ciphertext: message) }
        #expect(receiver.nonce == 0)
        #expect(try receiver.decrypt(ad: [], ciphertext: message) == bytes(20))
        #expect(receiver.nonce == 1)
    }

    @Test("a ciphertext shorter than the tag is too short")
    func shorterThanTag() {
        var receiver = CipherState(key: key)
        #expect(throws: NoiseError.messageTooShort) { try receiver.decrypt(ad: [], ciphertext: bytes(15)) }
        #expect(receiver.nonce == 0)
    }

    @Test("nonce 2^64-1 is reserved: encrypt and decrypt throw nonceExhausted")
    func nonceExhausted() throws {
        var cipher = CipherState(key: key)
        cipher.setNonce(UInt64.max - 1)
        let last = try cipher.encrypt(ad: [], plaintext: [1])  // 2^64-2 is the last usable nonce
        #expect(cipher.nonce == UInt64.max)
        #expect(throws: NoiseError.nonceExhausted) { try cipher.encrypt(ad: [], plaintext: [1]) }
        #expect(cipher.nonce == UInt64.max)

        var receiver = CipherState(key: key)
        receiver.setNonce(UInt64.max - 1)
        #expect(try receiver.decrypt(ad: [], ciphertext: last) == [1])
        #expect(throws: NoiseError.nonceExhausted) { try receiver.decrypt(ad: [], ciphertext: last) }
    }

    @Test("rekey is the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros), nonce unchanged")
    func rekeyDefinition() throws {
        var cipher = CipherState(key: key)
        cipher.setNonce(42)
        cipher.rekey()
        #expect(cipher.nonce == 42)

        let maxNonce = try ChaChaPoly.Nonce(data: [0, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8))
        let box = try ChaChaPoly.seal([UInt8](repeating: 0, count: 32), using: key, nonce: maxNonce)
        let expectedKey = SymmetricKey(data: Array(box.ciphertext))
        var reference = CipherState(key: expectedKey)
        reference.setNonce(42)
        #expect(try cipher.encrypt(ad: [], plaintext: [5, 6]) == (try reference.encrypt(ad: [], plaintext: [5, 6])))
    }

    @Test("rekey works even at the reserved nonce, which only REKEY may use")
    func rekeyAtReservedNonce() {
        var cipher = CipherState(key: key)
        cipher.setNonce(UInt64.max)
        cipher.rekey()
        #expect(cipher.hasKey)
    }

    @Test("65535 - 16 bytes of plaintext fit in one message; one more byte does not")
    func maximumLength() throws {
        var sender = CipherState(key: key)
        var receiver = CipherState(key: key)
        let largest = bytes(NoiseSuite.maxMessageLength - NoiseSuite.tagLength)
        let message = try sender.encrypt(ad: [], plaintext: largest)
        #expect(message.count == NoiseSuite.maxMessageLength)
        #expect(try receiver.decrypt(ad: [], ciphertext: message) == largest)
        #expect(throws: NoiseError.messageTooLong) { try sender.encrypt(ad: [], plaintext: largest + [0]) }
        #expect(sender.nonce == 1)
        #expect(throws: NoiseError.messageTooLong) { try receiver.decrypt(ad: [], ciphertext: message + [0]) }
    }
}

@Suite("SymmetricState")
struct SymmetricStateTests {
    @Test("a protocol name of 32 bytes or less is zero-padded into h; a longer one is hashed")
    func protocolNameInitialisesH() {
        let short = "Noise_NN_25519_ChaChaPoly_SHA256"
        #expect(short.utf8.count == 32)
        #expect(SymmetricState(protocolName: short).handshakeHash == Array(short.utf8))

        let shorter = "Noise_N_25519_ChaChaPoly_SHA256"
        #expect(SymmetricState(protocolName: shorter).handshakeHash == Array(shorter.utf8) + [0])

        let long = "Noise_XXpsk3_25519_ChaChaPoly_SHA256"
        #expect(SymmetricState(protocolName: long).handshakeHash == Array(SHA256.hash(data: Array(long.utf8))))
    }

    @Test("HKDF chains HMAC-SHA256 as spec §4.3 defines it")
    func hkdf() {
        let chainingKey = SymmetricKey(data: bytes(32, seed: 3))
        let ikm = bytes(32, seed: 9)
        let outputs = NoiseSuite.hkdf(chainingKey: chainingKey, inputKeyMaterial: ikm, outputs: 3)

        let tempKey = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: ikm, using: chainingKey))
        let o1 = Array(HMAC<SHA256>.authenticationCode(for: [1], using: tempKey))
        let o2 = Array(HMAC<SHA256>.authenticationCode(for: o1 + [2], using: tempKey))
        let o3 = Array(HMAC<SHA256>.authenticationCode(for: o2 + [3], using: tempKey))
        #expect(outputs.map { $0.withUnsafeBytes { Array($0) } } == [o1, o2, o3])
    }

    /// Noise's HKDF is RFC 5869's with the chaining key as salt and no info string; swift-crypto's
    /// `HKDF` is an implementation independent of the libsodium one under test.
    @Test("HKDF equals RFC 5869 HKDF (salt = chaining key, no info), for every input length")
    func hkdfMatchesRFC5869() {
        for ikmLength in [0, 1, 32, 63, 64, 65, 200] {
            let chainingKey = bytes(32, seed: UInt8(ikmLength))
            let ikm = bytes(ikmLength, seed: 5)
            for count in [2, 3] {
                let ours = NoiseSuite.hkdf(
                    chainingKey: SymmetricKey(data: chainingKey), inputKeyMaterial: ikm, outputs: count
                ).flatMap { $0.withUnsafeBytes { Array($0) } }
                let reference = HKDF<SHA256>.deriveKey(
                    inputKeyMaterial: SymmetricKey(data: ikm), salt: chainingKey, info: [UInt8](),
                    outputByteCount: 32 * count
                ).withUnsafeBytes { Array($0) }
                #expect(ours == reference, "input \(ikmLength) bytes, \(count) outputs")
            }
        }
    }
}
