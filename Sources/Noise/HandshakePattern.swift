/// A handshake pattern as data (spec §7): the pre-message tokens of each side and
/// the token list of each message. `HandshakeState` is the one interpreter.
///
/// Messages alternate direction, the first going initiator → responder. One-way
/// patterns (N, K, X and their psk variants) have a single message.
public struct HandshakePattern: Sendable, Equatable {
    public enum Token: String, Sendable, Equatable, CaseIterable {
        case e, s, ee, es, se, ss, psk
    }

    /// The pattern part of the protocol name: "XX", "IK", "NNpsk0", "XXpsk0+psk3".
    public let name: String
    /// Keys the responder knows before the handshake ("-> s ..." in the notation).
    public let initiatorPreMessage: [Token]
    /// Keys the initiator knows before the handshake ("<- s ...").
    public let responderPreMessage: [Token]
    /// Message token lists; even indices are sent by the initiator.
    public let messages: [[Token]]

    /// Only the initiator sends, in a single handshake message and then in transport.
    public var isOneWay: Bool { messages.count == 1 }

    /// Whether the pattern has psk tokens; if so every "e" also does MixKey (spec §9.2).
    var isPSK: Bool { pskCount > 0 }

    var pskCount: Int {
        messages.reduce(0) { count, tokens in count + tokens.filter { $0 == .psk }.count }
    }

    init(name: String, initiatorPreMessage: [Token], responderPreMessage: [Token], messages: [[Token]]) {
        self.name = name
        self.initiatorPreMessage = initiatorPreMessage
        self.responderPreMessage = responderPreMessage
        self.messages = messages
    }

    /// Whether message `index` is sent by the initiator.
    static func initiatorSends(message index: Int) -> Bool {
        index % 2 == 0
    }
}

// MARK: - Names and modifiers

extension HandshakePattern {
    /// Looks up a base pattern (fundamental, one-way or deferred) and applies pskN
    /// modifiers: "psk0" puts a psk token at the start of the first
    /// message, "pskN" at the end of message N. Several are joined with "+", as in
    /// "XXpsk0+psk3" (spec §8 names, §9 psk). Other modifiers, such as "fallback",
    /// are not supported.
    public static func named(_ name: String) throws -> HandshakePattern {
        try parseName(name)
    }

    static func parseName(_ name: String) throws(NoiseError) -> HandshakePattern {
        // The base name is uppercase letters and digits; modifiers begin in lowercase.
        let baseName = String(name.prefix { $0.isASCII && ($0.isUppercase || $0.isNumber) })
        guard let base = catalog[baseName] else { throw .unknownPattern(name) }
        let modifiers = name.dropFirst(baseName.count)
        if modifiers.isEmpty { return base }

        var messages = base.messages
        var placed = Set<Int>()
        for modifier in modifiers.split(separator: "+", omittingEmptySubsequences: false) {
            guard modifier.hasPrefix("psk") else { throw .unknownPattern(name) }
            let digits = modifier.dropFirst(3)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let position = Int(digits),
                String(position) == digits,  // no leading zeros
                position <= messages.count,
                placed.insert(position).inserted
            else { throw .unknownPattern(name) }
            if position == 0 {
                messages[0].insert(.psk, at: 0)
            } else {
                messages[position - 1].append(.psk)
            }
        }
        return HandshakePattern(
            name: name,
            initiatorPreMessage: base.initiatorPreMessage,
            responderPreMessage: base.responderPreMessage,
            messages: messages
        )
    }
}

// MARK: - The spec's notation

extension HandshakePattern {
    /// Builds a built-in pattern from the spec's arrow notation, e.g.
    ///
    ///     <- s
    ///     ...
    ///     -> e, es
    ///     <- e, ee
    ///
    /// The tables in this module are constants, so malformed notation is a
    /// programming error and traps; the tests parse every entry.
    init(name: String, notation: String) {
        do {
            self = try Self.parseNotation(name: name, notation: notation)
        } catch {
            preconditionFailure("built-in pattern \(name) is malformed: \(notation)")
        }
    }

    static func parseNotation(name: String, notation: String) throws(NoiseError) -> HandshakePattern {
        var lines = notation.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        var initiatorPre: [Token] = []
        var responderPre: [Token] = []

        if let dots = lines.firstIndex(of: "...") {
            var sawInitiator = false, sawResponder = false
            for line in lines[..<dots] {
                let (fromInitiator, tokens) = try parseLine(line, pattern: name)
                guard tokens.allSatisfy({ $0 == .e || $0 == .s }) else { throw .unknownPattern(name) }
                if fromInitiator {
                    guard !sawInitiator, !sawResponder else { throw .unknownPattern(name) }
                    sawInitiator = true
                    initiatorPre = tokens
                } else {
                    guard !sawResponder else { throw .unknownPattern(name) }
                    sawResponder = true
                    responderPre = tokens
                }
            }
            lines.removeSubrange(...dots)
        }

        var messages: [[Token]] = []
        for (index, line) in lines.enumerated() {
            let (fromInitiator, tokens) = try parseLine(line, pattern: name)
            guard fromInitiator == initiatorSends(message: index), !tokens.isEmpty else {
                throw .unknownPattern(name)
            }
            messages.append(tokens)
        }
        guard !messages.isEmpty else { throw .unknownPattern(name) }
        return HandshakePattern(
            name: name, initiatorPreMessage: initiatorPre, responderPreMessage: responderPre, messages: messages
        )
    }

    private static func parseLine(_ line: String, pattern: String) throws(NoiseError) -> (fromInitiator: Bool, [Token])
    {
        let fromInitiator: Bool
        if line.hasPrefix("->") {
            fromInitiator = true
        } else if line.hasPrefix("<-") {
            fromInitiator = false
        } else {
            throw .unknownPattern(pattern)
        }
        var tokens: [Token] = []
        for word in line.dropFirst(2).split(separator: ",") {
            guard let token = Token(rawValue: String(word).trimmingSpaces()) else { throw .unknownPattern(pattern) }
            tokens.append(token)
        }
        return (fromInitiator, tokens)
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
