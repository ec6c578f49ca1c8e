import Testing

@testable import Identity

@Suite("Typed fingerprints")
struct ExpectedPeerTrimmingTests {
    @Test func surroundingWhitespaceIsIgnoredForFingerprintsAndPeerIDs() throws {
        let identity = LocalIdentity.generate(nickname: "bob")
        let fingerprint = try #require(ExpectedPeer(" \(identity.fingerprint.description.lowercased())\n"))
        #expect(fingerprint.matches(identity.peerID))
        let peerID = try #require(ExpectedPeer("\t\(identity.peerID)\n"))
        #expect(peerID.matches(identity.peerID))
    }

    @Test func nonASCIIThatUpperCasesIntoTheAlphabetIsRejected() {
        // "ß" upper-cases to "SS"; it must not sneak a 25-character fingerprint through.
        #expect(Fingerprint.normalize("ßAAAA-AAAAA-AAAAA-AAAAA-AAAA") == nil)
    }
}
