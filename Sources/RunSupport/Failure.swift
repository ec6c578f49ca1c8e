import Foundation

/// A failure the user should read, with the exit code scripts should see.
public struct Failure: Error, CustomStringConvertible {
    public let message: String
    public let code: ExitStatus
    public var description: String { message }

    public init(message: String, code: ExitStatus) {
        self.message = message
        self.code = code
    }
}

/// Exit codes, documented in Man/parley.1.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case failure = 1
    /// The peer refused the connection or could not be reached.
    case unreachable = 3
    /// A connection, handshake or acknowledgement did not come in time.
    case timedOut = 4
    /// The peer is not who it should be: wrong key or a bad identity signature.
    case wrongKey = 5
    /// `parley call`: the peer declined the call; `parley send --file`: the peer refused the file.
    case declined = 6
    /// `parley call`: the peer is in another call.
    case busy = 7
    /// `parley call`: the call was cut off (no audio from the peer for too long, connection lost,
    /// codec parameters refused).
    case callFailed = 8
    /// `parley compare` was interrupted (SIGINT or SIGTERM) and removed what it had started;
    /// `parley send` was interrupted (SIGINT).
    case interrupted = 130
}

extension Failure {
    /// Prints the message on stderr and exits with the code.
    public func exit() -> Never {
        FileHandle.standardError.write(Data("parley: \(message)\n".utf8))
        Foundation.exit(code.rawValue)
    }

    /// Runs a command's body; a `Failure` it throws ends the process with its message and code.
    /// Anything else goes on to ArgumentParser.
    public static func exitingOnFailure(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as Failure {
            failure.exit()
        }
    }
}
