import Identity
import NIOCore
import NIOPosix
import Session
import Testing
import Wire

@testable import Net

#if canImport(Glibc)
    import Glibc
#endif

/// `PeerConnection.sendNow`: a send that does not wait, with its outcome on `events`.
@Suite("Send without waiting")
struct SendNowTests {
    @Test func messagesSentWithoutWaitingArriveInOrderAndAreAcknowledged() async throws {
        let server = try await TestServer.start(nickname: "bob")
        defer { Task { await server.stop() } }
        try await within(60) {
            let (alice, _) = try await connect(to: server.port)
            let bob = try await server.nextSession()
            _ = try await alice.established()
            _ = try await bob.established()

            let texts = (0..<50).map { "message \($0)" }
            let ids = texts.map { alice.sendNow($0) }
            #expect(Set(ids).count == ids.count, "every message has its own ID")

            var received: [IncomingMessage] = []
            for await event in bob.events {
                if let message = event.message { received.append(message) }
                if received.count == texts.count || event.isClosed { break }
            }
            #expect(received.map(\.text) == texts)
            #expect(received.map(\.id) == ids)

            var delivered: [MessageID] = []
            for await event in alice.events {
                if case .delivered(let id, _) = event { delivered.append(id) }
                if delivered.count == ids.count || event.isClosed { break }
            }
            #expect(delivered == ids)
            await alice.close()
        }
    }

    @Test func onTheEventLoopTheMessageIsWrittenBeforeSendNowReturns() async throws {
        let server = try await TestServer.start(nickname: "bob")
        defer { Task { await server.stop() } }
        try await within(60) {
            let (alice, _) = try await connect(to: server.port)
            let bob = try await server.nextSession()
            _ = try await alice.established()
            let before = try await alice.eventLoop.submit { alice.handlerStats.bytesSent }.get()
            let (id, after) = try await alice.eventLoop.submit {
                let id = alice.sendNow("from the loop")
                return (id, alice.handlerStats.bytesSent)
            }.get()
            #expect(after > before, "sealed and written within the call")
            let atBob = await events(of: bob) { $0.message != nil }
            #expect(atBob.compactMap(\.message).map(\.id) == [id])
            await alice.close()
        }
    }

    @Test func aMessageTooLongIsReportedAsAnEventAndNothingIsSent() async throws {
        let server = try await TestServer.start(nickname: "bob")
        defer { Task { await server.stop() } }
        try await within(60) {
            let (alice, _) = try await connect(to: server.port)
            let bob = try await server.nextSession()
            _ = try await alice.established()
            let tooLong = String(repeating: "x", count: Limits.maxTextBytes + 1)
            let failed = alice.sendNow(tooLong)
            let fine = alice.sendNow("short")
            let seen = await events(of: alice) { if case .delivered(fine, _) = $0 { true } else { false } }
            #expect(seen.contains(.sendFailed(failed, .textTooLong(bytes: Limits.maxTextBytes + 1))))
            #expect(!seen.contains { if case .delivered(failed, _) = $0 { true } else { false } })
            let atBob = await events(of: bob) { $0.message != nil }
            #expect(atBob.compactMap(\.message).map(\.text) == ["short"])
            await alice.close()
        }
    }

    @Test func beforeTheHandshakeCompletesSendNowReportsNotEstablished() async throws {
        // A listener that accepts and never answers: the handshake stays at message 1.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { Task { try? await silent.close() } }
        try await within(60) {
            // A handshake timeout far off: a loaded suite once starved this task past the usual 5 s.
            let (alice, _) = try await connect(
                to: silent.localAddress!.port!, config: SessionConfig(handshakeTimeout: .seconds(60)))
            let id = alice.sendNow("too early")
            let seen = await events(of: alice) { if case .sendFailed = $0 { true } else { false } }
            #expect(seen == [.sendFailed(id, .notEstablished)])
            await alice.close()
        }
    }

    @Test func anIPLiteralIsConnectedToWithoutResolvingAndRefusalsAreStillNamed() async throws {
        let server = try await TestServer.start(nickname: "bob")
        let port = server.port
        try await within(60) {
            let (alice, _) = try await connect(to: port)
            #expect(alice.remoteAddressText == "127.0.0.1:\(port)")
            _ = try await alice.established()
            await alice.close()
        }
        await server.stop()
        // A port bound but not listening refuses: a literal address is refused with the same
        // error as a name. (A port freed by the server could be taken by a parallel test.)
        let (fd, closedPort) = Self.boundNotListening()
        defer { Glibc.close(fd) }
        let credentials = try SessionCredentials(identity: .generate(nickname: "alice"))
        await #expect(throws: ConnectError.refused("127.0.0.1:\(closedPort)")) {
            _ = try await SessionConnector.connect(host: "127.0.0.1", port: closedPort, credentials: credentials)
        }
    }

    /// A loopback TCP socket bound to a free port without listening: the port stays ours and
    /// every connection to it is refused.
    static func boundNotListening() -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func idsFromOneSourceAreDistinctAndNeverZero() {
        let source = MessageIDSource(start: MessageIDSource.lowMax - 2)
        let ids = (0..<5).map { _ in source.next() }
        let low = MessageIDSource.lowMax
        #expect(ids == [low - 2, low - 1, low, 1, 2])
    }

    /// `parley send` filed about half its messages under `#lan` at the receiver: its IDs had a
    /// random top bit (issue 13). Direct IDs never carry the room bit, whatever the start.
    @Test func directIDsNeverCarryTheRoomBit() {
        for _ in 0..<1000 {
            let id = MessageIDSource().next()
            #expect(!MessageIDSource.isRoom(id) && id != 0)
        }
        let fromTop = MessageIDSource(start: MessageID.max)
        #expect(fromTop.next() == MessageIDSource.lowMax)
        #expect(fromTop.next() == 1)
    }

    @Test func roomIDsCarryTheRoomBitAndShareTheCounter() {
        let source = MessageIDSource(start: 41)
        #expect(source.next(room: true) == 41 | MessageIDSource.roomBit)
        #expect(source.next() == 42)
        #expect(MessageIDSource.isRoom(source.next(room: true)))
        #expect(MessageIDSource(start: 0).next() == 1)
    }
}
