import Net

/// Which paths `parley send` tries, from its options alone (pure, so the choice is tested
/// without sockets). The relay opens a session only to a named peer, so with an address the
/// relay path needs `--expect` to name the peer; without it, `--path auto` once silently fell
/// back to the direct path alone and, with that path blackholed, timed out without ever trying
/// the relay (issue 13). It is now refused up front, saying what to add.
public enum SendPlan: Equatable {
    /// Only the address.
    case direct(Endpoint)
    /// Only through the relay, to the peer `name` (peer ID, fingerprint or nickname).
    case relay(name: String)
    /// `--path auto`: the address first; after `--direct-timeout` the relay beside it, to `name`.
    case race(Endpoint, name: String)

    public struct Problem: Error, Equatable {
        public let message: String
    }

    /// `to` is `--to`, `relay` whether `--relay` was given, `path` the `--path` given (nil: the
    /// default, auto) and `expect` `--expect`.
    public static func make(to: String, relay: Bool, path: SessionPath?, expect: String?) throws(Problem) -> SendPlan {
        let address = Endpoint(argument: to)
        guard relay else {
            if path == .relay { throw Problem(message: "--path relay needs --relay") }
            guard let address else {
                throw Problem(message: "--to: '\(to)' is not HOST:PORT (a peer ID or fingerprint needs --relay)")
            }
            return .direct(address)
        }
        guard let address else {
            if path == .direct { throw Problem(message: "--path direct needs --to HOST:PORT") }
            return .relay(name: to)
        }
        switch path ?? .auto {
        case .direct:
            return .direct(address)
        case .relay:
            guard let expect else {
                throw Problem(message: "--path relay to an address needs --expect to name the peer on the relay")
            }
            return .relay(name: expect)
        case .auto:
            guard let expect else {
                throw Problem(
                    message: "--relay with --to HOST:PORT needs --expect FINGERPRINT to name the peer on the relay "
                        + "(the relay path after --direct-timeout), or --path direct for the address alone")
            }
            return .race(address, name: expect)
        }
    }
}
