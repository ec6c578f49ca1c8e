import Session

/// One change to the relay's mailbox that its store must persist, as the pure mailbox decided
/// it. The store adds nothing but the wall-clock time of an insert or a remembered identity.
public enum MailboxWrite: Sendable, Equatable {
    /// A sealed message accepted for `recipient`; the relay answers `stored` only once it is
    /// committed.
    case insert(id: UInt64, network: [UInt8], recipient: [UInt8], sender: [UInt8], sealed: [UInt8])
    /// Acknowledged or expired messages.
    case delete([UInt64])
    /// An identity registered (for `lookup`); replaces the one kept for the same peer and network.
    case remember(network: [UInt8], peer: [UInt8], staticKey: [UInt8], payload: [UInt8])
    /// An identity dropped from the directory (the oldest, when it is full).
    case forget(network: [UInt8], peer: [UInt8])

    /// The message whose commit the relay waits for before it answers; nil for other writes.
    public var insertedMail: UInt64? {
        if case .insert(let id, _, _, _, _) = self { id } else { nil }
    }
}

/// What a store kept, as it loads it at start: ages by the wall clock, so that expiry counts the
/// time the relay was down too.
public struct MailboxState: Sendable, Equatable {
    public struct Mail: Sendable, Equatable {
        public var id: UInt64
        public var network: [UInt8]
        public var recipient: [UInt8]
        public var sender: [UInt8]
        public var sealed: [UInt8]
        public var age: Duration

        public init(id: UInt64, network: [UInt8], recipient: [UInt8], sender: [UInt8], sealed: [UInt8], age: Duration) {
            self.id = id
            self.network = network
            self.recipient = recipient
            self.sender = sender
            self.sealed = sealed
            self.age = age
        }
    }

    public struct Identity: Sendable, Equatable {
        public var network: [UInt8]
        public var peer: [UInt8]
        public var staticKey: [UInt8]
        public var payload: [UInt8]
        /// Since it last registered.
        public var age: Duration

        public init(network: [UInt8], peer: [UInt8], staticKey: [UInt8], payload: [UInt8], age: Duration) {
            self.network = network
            self.peer = peer
            self.staticKey = staticKey
            self.payload = payload
            self.age = age
        }
    }

    public var mails: [Mail]
    public var directory: [Identity]

    public init(mails: [Mail] = [], directory: [Identity] = []) {
        self.mails = mails
        self.directory = directory
    }
}

/// Where the relay's mailbox lives between runs. `apply` makes one batch of writes durable as one
/// transaction, or throws and changes nothing; it runs off the relay's event loop
/// (`MailboxWriter`). The SQLite store is `SQLiteMailStore`; tests pass fakes that fail on demand.
public protocol RelayMailStore: Sendable {
    /// Everything kept, read once at start.
    func load() throws -> MailboxState
    /// Commits `writes` in order, all or nothing.
    func apply(_ writes: [MailboxWrite]) throws
}

/// A store that keeps nothing (the relay's mailbox then lives in memory only): for tests of
/// other parts and for embedders that want no disk.
public struct MemoryMailStore: RelayMailStore {
    public init() {}
    public func load() throws -> MailboxState { MailboxState() }
    public func apply(_ writes: [MailboxWrite]) throws {}
}
