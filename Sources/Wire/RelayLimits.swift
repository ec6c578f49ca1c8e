/// Every bound the relay protocol puts on what comes off the wire, each with its reason.
/// docs/PROTOCOL.md §14.7 lists the same numbers; tests check each at the limit and one past it.
/// Clients and relay enforce the wire limits alike; the rate and queue defaults are the relay's
/// local policy (an operator may change them), named here so that tests and docs share them.
public enum RelayLimits {
    /// Largest relay message plaintext: a data message carries a whole end-to-end transport
    /// message (`Limits.maxTransportMessage` + its 2-byte prefix) plus its own 6-byte header,
    /// with room to spare.
    public static let maxMessagePlaintext = 17 * 1024

    /// Largest Noise transport message on the client↔relay link: a relay message plus the tag.
    public static let maxLinkMessage = maxMessagePlaintext + 16

    /// Largest data payload: the end-to-end stream bytes one data message carries.
    public static let maxDataPayload = maxMessagePlaintext - 6

    /// Longest network name (the presence scope; a long random one works as an access token).
    public static let maxNetworkBytes = 64

    /// Peers one `peers` answer lists; a bigger network is listed in part.
    public static let maxListedPeers = 256

    /// Changes one `presence` push carries, like a `peers` listing: 256 entries of at most
    /// 66 bytes fit a relay message with room to spare. More waiting go in the next push.
    public static let maxPresenceChanges = 256

    /// Presence changes waiting for one watcher (policy): one entry per peer, one push's worth,
    /// so only a network larger than a `peers` listing fills it; past it a change is dropped and
    /// counted (`presence_overflow`). Bounds the relay's memory for presence to this many small
    /// entries per client (the change itself is shared between watchers).
    public static let maxPendingPresence = 256

    /// A watcher gets at most one `presence` push per this interval (policy): changes in between
    /// wait and are merged, one entry per peer, its latest state. One client that registers and
    /// leaves in a loop costs each watcher at most 4 small pushes a second.
    public static let presenceInterval: Duration = .milliseconds(250)

    /// Circuits one client may have open at once.
    public static let maxCircuitsPerClient = 64

    /// How long the client↔relay handshake may take from TCP connection: a client that never
    /// finishes it is dropped after this.
    public static let handshakeTimeout: Duration = .seconds(5)

    /// A client must register this soon after its handshake, or it is dropped.
    public static let registerTimeout: Duration = .seconds(5)

    /// A client from which nothing arrived for this long is dropped. Clients ping every
    /// `keepaliveInterval`, well inside it.
    public static let idleTimeout: Duration = .seconds(45)
    public static let keepaliveInterval: Duration = .seconds(10)

    /// Clients one relay serves at once; a connection past it is closed at once. The relay
    /// raises its soft descriptor limit to the hard one at start and lowers this cap, if it must,
    /// to leave `descriptorHeadroom` free: past the cap a connection is refused and counted
    /// (`relay_full`), never left to fail on a missing descriptor.
    public static let maxClients = 1024

    /// Descriptors the relay keeps free beyond its client cap: listeners, the metrics
    /// connections (`maxMetricsConnections`), the mailbox database and its journal files, the
    /// announcer's sockets, and a connection being refused.
    public static let descriptorHeadroom = 64

    /// Connections from one source address at once (policy, `--max-per-address`): one host
    /// holding many silent connections cannot take the slots of everyone else. 32 leaves room
    /// for a household or small office behind one NAT address.
    public static let maxConnectionsPerAddress = 32

    /// Connections that have not finished the link handshake, from all addresses at once
    /// (policy): an unfinished handshake costs a slot for up to `handshakeTimeout` and proves
    /// nothing, so they get a share of the slots, not all of them.
    public static let maxHandshaking = 256

    /// A `/metrics` connection that sends no request for this long is closed (a scraper sends one
    /// every few seconds at most, or reconnects).
    public static let metricsIdleTimeout: Duration = .seconds(10)

    /// `/metrics` connections open at once; one past it is closed at once. Inside
    /// `descriptorHeadroom`, so metrics still answer when the relay is at its client cap.
    public static let maxMetricsConnections = 16

    /// Per client, messages per second on average and in a burst. Voice is 50 frames/s per
    /// call, so this leaves room for many sessions; past it the relay stops reading from the
    /// client until its bucket refills (shaping, not dropping: a dropped chunk would break the
    /// end-to-end stream it belongs to).
    public static let clientMessageRate = 2000
    public static let clientMessageBurst = 4000

    /// Per client, bytes per second on average and in a burst (1 MiB/s, 2 MiB burst).
    public static let clientByteRate = 1 << 20
    public static let clientByteBurst = 2 << 20

    /// Bytes the relay queues for one client that does not read them; past it the client is
    /// disconnected rather than slowing the clients that send to it.
    public static let maxQueuedBytes = 512 * 1024

    /// Answers to one client's `list`, `lookup` and `store` that wait behind a `store` not yet
    /// committed (answers go out in the order asked). A client waits for its answers; one that
    /// sends this many requests while its store is written is dropped (`answers_full`), so the
    /// queue holds at most this many `peers` listings.
    public static let maxWaitingAnswers = 256

    /// Sealed offline messages the relay keeps per recipient; past it, `store` is refused
    /// (`error(mailboxFull)`).
    public static let maxStoredPerRecipient = 64
    /// Sealed messages waiting on the relay from one sender (its peer ID, all networks and
    /// recipients): a chat with four recipients' full boxes, acknowledgements included. Past it,
    /// `error(senderQuota)`: one identity cannot fill the relay.
    public static let maxStoredPerSender = 256
    /// Sealed messages waiting in one network's mailboxes together; past it,
    /// `error(networkQuota)`: identities are free to make, so many senders in one network still
    /// leave every other network its room (policy).
    public static let maxStoredPerNetwork = 16384
    /// Bytes of sealed messages one relay keeps in all (policy): the mailbox is held in memory as
    /// well as on disk, so this bounds the relay's memory, 64 MiB. Past it,
    /// `error(storageFull)`.
    public static let maxStoredBytes = 64 << 20
    /// Largest sealed message: a Noise X message (e 32 + encrypted s 48 + tag 16) around an
    /// identity payload and a whole text frame, with room to spare.
    public static let maxSealedMessage = 12 * 1024
    /// Largest `post` (and so `roomPost`): a sealed room message (`RoomSeal`: 12-byte header,
    /// 16-byte tag) around a whole text frame, like a sealed offline message.
    public static let maxPostBytes = 12 * 1024
    /// How long the relay keeps a sealed message nobody collected.
    public static let maxStoredAge: Duration = .seconds(7 * 24 * 3600)
    /// Sealed messages one relay keeps in all (policy; past it, `error(storageFull)`), and
    /// identities it remembers for `lookup` (the most recently registered).
    public static let maxStoredTotal = 65536
    public static let maxDirectoryEntries = 4096
}
