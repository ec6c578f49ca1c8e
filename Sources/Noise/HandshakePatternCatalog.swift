// The base handshake patterns of Noise revision 34, written in the spec's own
// notation (§7.4 one-way, §7.5 fundamental, §7.6 deferred). pskN variants are
// derived from these by `HandshakePattern.named(_:)`.

extension HandshakePattern {
    // MARK: One-way (§7.4)

    public static let N = HandshakePattern(
        name: "N",
        notation: """
            <- s
            ...
            -> e, es
            """)

    public static let K = HandshakePattern(
        name: "K",
        notation: """
            -> s
            <- s
            ...
            -> e, es, ss
            """)

    public static let X = HandshakePattern(
        name: "X",
        notation: """
            <- s
            ...
            -> e, es, s, ss
            """)

    // MARK: Fundamental interactive (§7.5)

    public static let NN = HandshakePattern(
        name: "NN",
        notation: """
            -> e
            <- e, ee
            """)

    public static let NK = HandshakePattern(
        name: "NK",
        notation: """
            <- s
            ...
            -> e, es
            <- e, ee
            """)

    public static let NX = HandshakePattern(
        name: "NX",
        notation: """
            -> e
            <- e, ee, s, es
            """)

    public static let KN = HandshakePattern(
        name: "KN",
        notation: """
            -> s
            ...
            -> e
            <- e, ee, se
            """)

    public static let KK = HandshakePattern(
        name: "KK",
        notation: """
            -> s
            <- s
            ...
            -> e, es, ss
            <- e, ee, se
            """)

    public static let KX = HandshakePattern(
        name: "KX",
        notation: """
            -> s
            ...
            -> e
            <- e, ee, se, s, es
            """)

    public static let XN = HandshakePattern(
        name: "XN",
        notation: """
            -> e
            <- e, ee
            -> s, se
            """)

    public static let XK = HandshakePattern(
        name: "XK",
        notation: """
            <- s
            ...
            -> e, es
            <- e, ee
            -> s, se
            """)

    public static let XX = HandshakePattern(
        name: "XX",
        notation: """
            -> e
            <- e, ee, s, es
            -> s, se
            """)

    public static let IN = HandshakePattern(
        name: "IN",
        notation: """
            -> e, s
            <- e, ee, se
            """)

    public static let IK = HandshakePattern(
        name: "IK",
        notation: """
            <- s
            ...
            -> e, es, s, ss
            <- e, ee, se
            """)

    public static let IX = HandshakePattern(
        name: "IX",
        notation: """
            -> e, s
            <- e, ee, se, s, es
            """)

    // MARK: Deferred (§7.6)

    static let deferred: [HandshakePattern] = [
        HandshakePattern(
            name: "NK1",
            notation: """
                <- s
                ...
                -> e
                <- e, ee, es
                """),
        HandshakePattern(
            name: "NX1",
            notation: """
                -> e
                <- e, ee, s
                -> es
                """),
        HandshakePattern(
            name: "X1N",
            notation: """
                -> e
                <- e, ee
                -> s
                <- se
                """),
        HandshakePattern(
            name: "X1K",
            notation: """
                <- s
                ...
                -> e, es
                <- e, ee
                -> s
                <- se
                """),
        HandshakePattern(
            name: "XK1",
            notation: """
                <- s
                ...
                -> e
                <- e, ee, es
                -> s, se
                """),
        HandshakePattern(
            name: "X1K1",
            notation: """
                <- s
                ...
                -> e
                <- e, ee, es
                -> s
                <- se
                """),
        HandshakePattern(
            name: "X1X",
            notation: """
                -> e
                <- e, ee, s, es
                -> s
                <- se
                """),
        HandshakePattern(
            name: "XX1",
            notation: """
                -> e
                <- e, ee, s
                -> es, s, se
                """),
        HandshakePattern(
            name: "X1X1",
            notation: """
                -> e
                <- e, ee, s
                -> es, s
                <- se
                """),
        HandshakePattern(
            name: "K1N",
            notation: """
                -> s
                ...
                -> e
                <- e, ee
                -> se
                """),
        HandshakePattern(
            name: "K1K",
            notation: """
                -> s
                <- s
                ...
                -> e, es
                <- e, ee
                -> se
                """),
        HandshakePattern(
            name: "KK1",
            notation: """
                -> s
                <- s
                ...
                -> e
                <- e, ee, se, es
                """),
        HandshakePattern(
            name: "K1K1",
            notation: """
                -> s
                <- s
                ...
                -> e
                <- e, ee, es
                -> se
                """),
        HandshakePattern(
            name: "K1X",
            notation: """
                -> s
                ...
                -> e
                <- e, ee, s, es
                -> se
                """),
        HandshakePattern(
            name: "KX1",
            notation: """
                -> s
                ...
                -> e
                <- e, ee, se, s
                -> es
                """),
        HandshakePattern(
            name: "K1X1",
            notation: """
                -> s
                ...
                -> e
                <- e, ee, s
                -> se, es
                """),
        HandshakePattern(
            name: "I1N",
            notation: """
                -> e, s
                <- e, ee
                -> se
                """),
        HandshakePattern(
            name: "I1K",
            notation: """
                <- s
                ...
                -> e, es, s
                <- e, ee
                -> se
                """),
        HandshakePattern(
            name: "IK1",
            notation: """
                <- s
                ...
                -> e, s
                <- e, ee, se, es
                """),
        HandshakePattern(
            name: "I1K1",
            notation: """
                <- s
                ...
                -> e, s
                <- e, ee, es
                -> se
                """),
        HandshakePattern(
            name: "I1X",
            notation: """
                -> e, s
                <- e, ee, s, es
                -> se
                """),
        HandshakePattern(
            name: "IX1",
            notation: """
                -> e, s
                <- e, ee, se, s
                -> es
                """),
        HandshakePattern(
            name: "I1X1",
            notation: """
                -> e, s
                <- e, ee, s
                -> se, es
                """),
    ]

    /// Every base pattern, by name.
    static let catalog: [String: HandshakePattern] = {
        let all = [N, K, X, NN, NK, NX, KN, KK, KX, XN, XK, XX, IN, IK, IX] + deferred
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }()
}
