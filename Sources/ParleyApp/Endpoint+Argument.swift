import ArgumentParser
import ChatClient

/// `HOST:PORT`, `[IPV6]:PORT` or `:PORT` on the command line (`Endpoint(argument:)`).
extension Endpoint: ExpressibleByArgument {
    public static var defaultCompletionKind: CompletionKind { .default }
}
