import Identity
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Session
import Testing
import Wire

@testable import Net

/// The relay client's handler on an `EmbeddedChannel`, a relay's link machine on the other end:
/// `watch` goes out right behind `register` only when the owner asked for presence, and the
/// relay's pushes reach the owner's stream in order, which ends with the link.
@Suite struct RelayClientPresenceTests {
    static let client = try! SessionCredentials(identity: LocalIdentity.generate(nickname: "alice"))
    static let relayCredentials = try! SessionCredentials(identity: LocalIdentity.generate(nickname: "relay"))

    /// The handler and the relay's end, joined by hand.
    final class Link {
        let channel: EmbeddedChannel
        var relay = RelayLinkMachine(role: .relay, credentials: RelayClientPresenceTests.relayCredentials)
        /// What the relay's end decoded from the client, in order.
        var atRelay: [RelayMessage] = []

        init(presence: AsyncStream<RelayPresenceChange>.Continuation?) throws {
            let loop = EmbeddedEventLoop()
            let handler = RelayClientHandler(
                credentials: RelayClientPresenceTests.client, network: Array("lab".utf8), linkConfig: .init(),
                sessionConfig: SessionConfig(), eventLoop: loop, relayAddress: "relay:1",
                onSession: { _, _ in }, onMail: { _, _ in }, presence: presence)
            channel = EmbeddedChannel(handler: handler, loop: loop)
            _ = relay.start(now: .now())
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try pump()
        }

        /// Moves bytes both ways until neither side has anything more to say.
        func pump() throws {
            while let out = try channel.readOutbound(as: ByteBuffer.self) {
                try deliver(relay.receive(Array(out.readableBytesView), now: .now()))
            }
        }

        /// The relay sends `message` to the client.
        func send(_ message: RelayMessage) throws {
            try deliver(relay.send(message))
        }

        private func deliver(_ actions: [RelayLinkAction]) throws {
            for action in actions {
                switch action {
                case .send(let bytes): try channel.writeInbound(ByteBuffer(bytes: bytes))
                case .message(let message): atRelay.append(message)
                default: break
                }
            }
            try pump()
        }
    }

    @Test func watchFollowsRegisterAndPushesReachTheStreamInOrder() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: RelayPresenceChange.self)
        let link = try Link(presence: continuation)
        #expect(link.atRelay == [.register(network: Array("lab".utf8)), .watch])
        try link.send(.registered)
        let bob = RelayPeerEntry(peerID: [UInt8](repeating: 2, count: 32), nickname: "bob")
        let carol = RelayPeerEntry(peerID: [UInt8](repeating: 3, count: 32), nickname: "carol")
        try link.send(.presence([RelayPresenceChange(peer: bob, online: true)]))
        try link.send(
            .presence([RelayPresenceChange(peer: carol, online: true), RelayPresenceChange(peer: bob, online: false)]))
        _ = try? link.channel.finish()
        var heard: [RelayPresenceChange] = []
        for await change in stream { heard.append(change) }
        #expect(
            heard == [
                RelayPresenceChange(peer: bob, online: true), RelayPresenceChange(peer: carol, online: true),
                RelayPresenceChange(peer: bob, online: false),
            ])
    }

    /// What an older client does, and `parley send`: no `watch`; a push that arrives all the
    /// same is ignored and the link carries on.
    @Test func withoutPresenceNoWatchIsSentAndAPushIsIgnored() throws {
        let link = try Link(presence: nil)
        #expect(link.atRelay == [.register(network: Array("lab".utf8))])
        try link.send(.registered)
        let bob = RelayPeerEntry(peerID: [UInt8](repeating: 2, count: 32), nickname: "bob")
        try link.send(.presence([RelayPresenceChange(peer: bob, online: true)]))
        try link.send(.ping(token: 9))
        #expect(link.channel.isActive)
        _ = try? link.channel.finish()
    }
}
