extension HandshakePattern {
    /// The exact size of a handshake message made of `tokens` with an empty payload: public keys,
    /// plus a tag on each encrypted field once a key has been mixed in (`keyed`: one was before
    /// this message).
    func minimumLength(of tokens: [Token], keyed alreadyKeyed: Bool) -> Int {
        var keyed = alreadyKeyed
        var length = 0
        for token in tokens {
            switch token {
            case .e:
                length += NoiseSuite.dhLength
                if isPSK { keyed = true }
            case .s:
                length += NoiseSuite.dhLength + (keyed ? NoiseSuite.tagLength : 0)
            case .ee, .es, .se, .ss, .psk:
                keyed = true
            }
        }
        return length + (keyed ? NoiseSuite.tagLength : 0)
    }
}
