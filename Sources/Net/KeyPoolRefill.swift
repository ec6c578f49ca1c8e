import NIOPosix
import Noise

/// Refills ephemeral key pools on NIO's blocking-work thread pool rather than on an event
/// loop: making a key pair is an X25519 scalar multiplication, work an event loop should not
/// do between a handshake's messages (nor, in one process, between one session's last
/// handshake message and the other session's reading of it).
enum KeyPoolRefill {
    static func request(_ pool: EphemeralKeyPool) {
        NIOThreadPool.singleton.submit { state in
            guard case .active = state else { return }
            pool.refill()
        }
    }
}
