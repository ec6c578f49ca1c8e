import Identity
import NIOCore
import Session
import Wire

/// What discovery tells its owner.
public enum DiscoveryEvent: Sendable, Equatable {
    case added(DiscoveredPeer)
    case updated(DiscoveredPeer)
    case removed(DiscoveredPeer, DiscoveryDeparture)
}

/// What discovery tells its owner about relays announced on the LAN.
public enum RelayAnnouncement: Sendable, Equatable {
    case added(DiscoveredRelay)
    case updated(DiscoveredRelay)
    case removed(DiscoveredRelay, DiscoveryDeparture)
}

/// Moves datagrams between the link sockets and a `DiscoveryMachine`, and runs its timer.
/// Every decision is the machine's. Lives on one event loop, which all its channels share.
final class DiscoveryDriver {
    private var machine: DiscoveryMachine
    private let eventLoop: EventLoop
    private let onEvent: @Sendable (DiscoveryEvent) -> Void
    private let onRelay: @Sendable (RelayAnnouncement) -> Void
    private var links: [DiscoveryLink: (channel: Channel, destination: SocketAddress)] = [:]
    private let timer: DeadlineTimer
    private(set) var sendFailures = 0
    private(set) var datagramsSent = 0
    private(set) var bytesSent = 0

    init(
        machine: DiscoveryMachine, eventLoop: EventLoop, onEvent: @escaping @Sendable (DiscoveryEvent) -> Void,
        onRelay: @escaping @Sendable (RelayAnnouncement) -> Void = { _ in }
    ) {
        self.machine = machine
        self.eventLoop = eventLoop
        timer = DeadlineTimer(eventLoop: eventLoop)
        self.onEvent = onEvent
        self.onRelay = onRelay
    }

    var peers: [DiscoveredPeer] { machine.peers }
    var relays: [DiscoveredRelay] { machine.relays }
    var stats: DiscoveryStats { machine.stats }
    var linkNames: [DiscoveryLink] { links.keys.sorted() }

    func add(_ channel: Channel, for socket: DiscoverySocket) {
        links[socket.link] = (channel, socket.destination)
    }

    func start() {
        perform(machine.start(now: .now(), wallClock: WallClock.millisecondsNow()))
    }

    func refresh() {
        perform(machine.refresh(now: .now(), wallClock: WallClock.millisecondsNow()))
    }

    func confirm(_ id: PeerID) {
        machine.confirm(id)
    }

    func changeNickname(to nickname: String) throws(IdentityError) {
        perform(try machine.changeNickname(to: nickname, wallClock: WallClock.millisecondsNow()))
    }

    func received(_ envelope: AddressedEnvelope<ByteBuffer>, on link: DiscoveryLink) {
        let address = envelope.remoteAddress
        var host = address.ipAddress ?? "?"
        // A link-local IPv6 address means nothing without its interface.
        if link.family == .ipv6 && host.lowercased().hasPrefix("fe80") { host += "%" + link.interface }
        let source = DiscoverySource(link: link, host: host, port: UInt16(clamping: address.port ?? 0))
        let bytes = Array(envelope.data.readableBytesView)
        perform(machine.receive(bytes, from: source, now: .now(), wallClock: WallClock.millisecondsNow()))
    }

    /// A link's socket closed underneath us (its interface vanished): stop sending there.
    func linkClosed(_ link: DiscoveryLink) {
        links[link] = nil
    }

    /// Closes every socket without a goodbye, as a crash would.
    func abandonForTestingOnly() -> EventLoopFuture<Void> {
        timer.cancel()
        let channels = links.values.map(\.channel)
        links.removeAll()
        return EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: eventLoop)
    }

    /// Says goodbye, waits until the goodbye is written, then closes every socket.
    func stop() -> EventLoopFuture<Void> {
        let writes = perform(machine.stop(now: .now(), wallClock: WallClock.millisecondsNow()))
        timer.cancel()
        let channels = links.values.map(\.channel)
        links.removeAll()
        let eventLoop = self.eventLoop
        return EventLoopFuture.whenAllComplete(writes, on: eventLoop).flatMap { _ in
            EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: eventLoop)
        }
    }

    // MARK: Carrying out actions

    @discardableResult
    private func perform(_ actions: [DiscoveryAction]) -> [EventLoopFuture<Void>] {
        var writes: [EventLoopFuture<Void>] = []
        for action in actions {
            switch action {
            case .send(let bytes, let target):
                let chosen: [(channel: Channel, destination: SocketAddress)]
                switch target {
                case .allLinks: chosen = links.sorted { $0.key < $1.key }.map(\.value)
                case .link(let link): chosen = links[link].map { [$0] } ?? []
                }
                for (channel, destination) in chosen {
                    let buffer = channel.allocator.buffer(bytes: bytes)
                    let write = channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: buffer))
                    datagramsSent += 1
                    bytesSent += bytes.count
                    let bound = NIOLoopBound(self, eventLoop: eventLoop)
                    write.whenFailure { _ in bound.value.sendFailures += 1 }
                    writes.append(write)
                }
            case .peerAdded(let peer): onEvent(.added(peer))
            case .peerUpdated(let peer): onEvent(.updated(peer))
            case .peerRemoved(let peer, let why): onEvent(.removed(peer, why))
            case .relayAdded(let relay): onRelay(.added(relay))
            case .relayUpdated(let relay): onRelay(.updated(relay))
            case .relayRemoved(let relay, let why): onRelay(.removed(relay, why))
            }
        }
        rescheduleTimer()
        return writes
    }

    private func rescheduleTimer() {
        timer.arm(at: machine.nextDeadline) { [self] in
            perform(machine.tick(now: .now(), wallClock: WallClock.millisecondsNow()))
        }
    }
}

/// Hands each datagram from one link's socket to the driver.
final class DiscoveryChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let driver: DiscoveryDriver
    private let link: DiscoveryLink
    private let interfaceIndex: Int

    init(driver: DiscoveryDriver, socket: DiscoverySocket) {
        self.driver = driver
        link = socket.link
        interfaceIndex = Int(socket.interfaceIndex)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // Linux hands an IPv6 socket every packet for a group it joined, whichever interface the
        // packet came in on; the link is only this socket's own interface.
        if let arrival = envelope.metadata?.packetInfo?.interfaceIndex, arrival != interfaceIndex { return }
        driver.received(envelope, on: link)
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.linkClosed(link)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A failed send or receive on one link (an unplugged cable) never ends discovery; the
        // channel closes itself if the error is fatal.
    }
}
