import Testing

@testable import Noise

@Suite("HandshakePattern")
struct HandshakePatternTests {
    @Test("the catalog holds the 3 one-way, 12 fundamental and 23 deferred base patterns")
    func catalog() {
        #expect(HandshakePattern.catalog.count == 38)
        let oneWay = HandshakePattern.catalog.values.filter(\.isOneWay).map(\.name).sorted()
        #expect(oneWay == ["K", "N", "X"])
        for pattern in HandshakePattern.catalog.values {
            #expect(pattern.pskCount == 0)
            #expect(pattern.isOneWay == (pattern.messages.count == 1))
        }
        for name in ["NN", "NK", "NX", "KN", "KK", "KX", "XN", "XK", "XX", "IN", "IK", "IX"] {
            #expect(HandshakePattern.catalog[name]?.isOneWay == false, "\(name)")
        }
    }

    @Test("static patterns spell out the spec's tokens")
    func tokens() {
        #expect(HandshakePattern.XX.messages == [[.e], [.e, .ee, .s, .es], [.s, .se]])
        #expect(HandshakePattern.XX.initiatorPreMessage.isEmpty && HandshakePattern.XX.responderPreMessage.isEmpty)
        #expect(HandshakePattern.IK.responderPreMessage == [.s])
        #expect(HandshakePattern.IK.messages == [[.e, .es, .s, .ss], [.e, .ee, .se]])
        #expect(HandshakePattern.K.initiatorPreMessage == [.s])
        #expect(HandshakePattern.K.responderPreMessage == [.s])
        #expect(HandshakePattern.K.messages == [[.e, .es, .ss]])
        #expect(HandshakePattern.X.messages == [[.e, .es, .s, .ss]])
        #expect(HandshakePattern.N.messages == [[.e, .es]])
    }

    @Test(
        "named() finds every static pattern",
        arguments: [
            HandshakePattern.XX, .IK, .X, .N, .K, .NN, .NK, .NX, .XN, .XK, .KN, .KK, .KX, .IN, .IX,
        ])
    func namedMatchesStatic(_ pattern: HandshakePattern) throws {
        #expect(try HandshakePattern.named(pattern.name) == pattern)
    }

    @Test("pskN modifiers place psk tokens: psk0 first in message 1, pskN last in message N")
    func pskModifiers() throws {
        let nnpsk0 = try HandshakePattern.named("NNpsk0")
        #expect(nnpsk0.messages == [[.psk, .e], [.e, .ee]])
        #expect(nnpsk0.name == "NNpsk0")
        #expect(nnpsk0 != HandshakePattern.NN)

        let xx = try HandshakePattern.named("XXpsk0+psk3")
        #expect(xx.messages == [[.psk, .e], [.e, .ee, .s, .es], [.s, .se, .psk]])
        #expect(xx.pskCount == 2)

        #expect(try HandshakePattern.named("NNpsk2").messages == [[.e], [.e, .ee, .psk]])
        #expect(try HandshakePattern.named("Xpsk1").messages == [[.e, .es, .s, .ss, .psk]])
        #expect(try HandshakePattern.named("Npsk0").isOneWay)
        #expect(try HandshakePattern.named("X1K1psk2").messages[1] == [.e, .ee, .es, .psk])
    }

    @Test(
        "unknown names and bad modifiers are unknownPattern",
        arguments: [
            "", "xx", "XY", "Noise_XX", "XXfallback", "XXpsk", "XXpsk4", "XXpsk01", "XXpsk+1", "XXpsk-1",
            "XXpsk0+psk0", "XXpsk0+", "XX+psk0", "XXpsk0psk1", "NNpsk3", "Npsk2", "XX ",
        ])
    func unknown(_ name: String) {
        #expect(throws: NoiseError.unknownPattern(name)) { try HandshakePattern.named(name) }
    }

    @Test("the notation parser rejects malformed tables")
    func notationParser() throws {
        #expect(throws: NoiseError.self) { try HandshakePattern.parseNotation(name: "bad", notation: "<- e") }
        #expect(throws: NoiseError.self) { try HandshakePattern.parseNotation(name: "bad", notation: "-> e\n-> s") }
        #expect(throws: NoiseError.self) { try HandshakePattern.parseNotation(name: "bad", notation: "-> e, xx") }
        #expect(throws: NoiseError.self) {
            try HandshakePattern.parseNotation(name: "bad", notation: "<- ee\n...\n-> e")
        }
        #expect(throws: NoiseError.self) {
            try HandshakePattern.parseNotation(name: "bad", notation: "<- s\n-> s\n...\n-> e")
        }
        #expect(throws: NoiseError.self) { try HandshakePattern.parseNotation(name: "bad", notation: "<- s\n...") }
        let ok = try HandshakePattern.parseNotation(name: "KK", notation: "-> s\n<- s\n...\n-> e, es, ss\n<- e, ee, se")
        #expect(ok == HandshakePattern.KK)
    }
}
