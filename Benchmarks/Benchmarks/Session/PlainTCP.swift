import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The floor the session stack is compared with: one loopback TCP connection between blocking
/// POSIX sockets with TCP_NODELAY, the far end a thread that echoes every byte it reads. No
/// event loop, no tasks, no crypto. Used by one thread at a time: the benchmark's iterations,
/// then its teardown.
final class PlainTCPPingPong: @unchecked Sendable {
    static let messageSize = 64

    private let listener: Int32
    private let client: Int32
    private let echoDone = DispatchSemaphore(value: 0)
    private var message = [UInt8](repeating: 0x2A, count: PlainTCPPingPong.messageSize)
    private var reply = [UInt8](repeating: 0, count: PlainTCPPingPong.messageSize)

    init() throws {
        listener = try Socket.make()
        do {
            try Socket.bindLoopback(listener)
            guard listen(listener, 1) == 0 else { throw Socket.error("listen") }
            let port = try Socket.localPort(listener)

            let listener = self.listener
            let echoDone = self.echoDone
            let thread = PosixThread {
                Socket.echo(listeningOn: listener)
                echoDone.signal()
            }
            thread.start()

            client = try Socket.make()
            try Socket.connectLoopback(client, port: port)
            try Socket.noDelay(client)
        } catch {
            close(listener)
            throw error
        }
    }

    /// One round trip: 64 bytes out, the same 64 bytes back.
    func roundTrip() throws {
        try message.withUnsafeBytes { try Socket.sendAll(client, $0) }
        try reply.withUnsafeMutableBytes { try Socket.receiveAll(client, $0) }
    }

    /// Closes the connection; the echo thread sees end of stream and ends.
    func shutdown() {
        close(client)
        echoDone.wait()
        close(listener)
    }
}

/// A thread without Foundation: the closure runs on a new POSIX thread, detached.
struct PosixThread {
    private let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }
}

/// Thin wrappers over the socket calls, throwing on failure with errno's text.
enum Socket {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func error(_ call: String) -> Failure {
        Failure(description: "\(call): \(String(cString: strerror(errno)))")
    }

    static func make() throws -> Int32 {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw error("socket") }
        return fd
    }

    static func noDelay(_ fd: Int32) throws {
        var one: Int32 = 1
        guard setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) == 0
        else { throw error("setsockopt(TCP_NODELAY)") }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian  // 127.0.0.1
        return address
    }

    static func bindLoopback(_ fd: Int32) throws {
        var address = loopback(port: 0)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw error("bind") }
    }

    static func localPort(_ fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw error("getsockname") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func connectLoopback(_ fd: Int32, port: UInt16) throws {
        var address = loopback(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw error("connect") }
    }

    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                throw error("send")
            }
            offset += n
        }
    }

    static func receiveAll(_ fd: Int32, _ bytes: UnsafeMutableRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = recv(fd, bytes.baseAddress! + offset, bytes.count - offset, 0)
            if n < 0 {
                if errno == EINTR { continue }
                throw error("recv")
            }
            guard n > 0 else { throw Failure(description: "recv: connection closed") }
            offset += n
        }
    }

    /// Accepts one connection and echoes it until the peer closes or an error occurs.
    static func echo(listeningOn listener: Int32) {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return }
        defer { close(fd) }
        try? noDelay(fd)
        var buffer = [UInt8](repeating: 0, count: 4096)
        buffer.withUnsafeMutableBytes { buffer in
            while true {
                let n = recv(fd, buffer.baseAddress!, buffer.count, 0)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                guard (try? sendAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))) != nil else { return }
            }
        }
    }
}
