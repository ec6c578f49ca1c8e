import Foundation

/// Turns SIGINT/SIGTERM into a callback instead of an abrupt exit.
public final class SignalTrap: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    public init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    public func cancel() {
        for source in sources { source.cancel() }
    }
}
