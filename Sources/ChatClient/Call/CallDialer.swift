import Calls
import ChatModel
import Foundation
import Identity
import Net
import RunSupport
import Session
import Voice

/// `parley call PEER`: find the peer, open the session, ring, stream, print the statistics.
public struct CallDialer {
    let settings: CallSettings
    let target: CallTarget

    public init(settings: CallSettings, target: CallTarget) {
        self.settings = settings
        self.target = target
    }

    public func run() async throws {
        let identity = settings.identity
        let credentials = try SessionCredentials(identity: identity)
        let status = CallStatusOutput()
        let connection = try await connect(identity: identity, credentials: credentials, status: status)
        let info: PeerInfo
        do {
            info = try await connection.established()
        } catch let closed as SessionClosedError {
            throw Failure(message: closed.reason.description, code: closed.reason.exitStatus)
        }
        let engine = CallEngine(options: settings.engine)
        await engine.attach(connection, peer: info)
        // The call's tasks (the engine's timers and media, the session's events, a signal's
        // hangup, the --duration limit) are children of `running` and end with the call.
        let tasks = OwnedTasks()
        async let running: Void = tasks.run()
        tasks.start { await engine.run() }
        tasks.start { await engine.serve(connection) }
        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { tasks.start { try? await engine.hangup() } }
        defer { signals.cancel() }

        do {
            try await engine.place(to: info.peerID)
        } catch {
            throw Failure(message: error.description, code: .failure)
        }
        let who = "\(LineOutput.sanitize(info.nickname)) (\(info.fingerprint))"
        var summary: CallSummary?
        var limit: OwnedTask?
        for await event in engine.events {
            switch event {
            case .call(.calling): status.note("calling \(who) at \(connection.remoteAddressText)")
            case .call(.ringing): status.note("ringing")
            case .call(.active(let call)):
                status.note("call active: \(call.params.summaryText)")
                if let duration = settings.durationLimit {
                    limit = tasks.start {
                        try? await Task.sleep(for: duration)
                        if !Task.isCancelled { try? await engine.hangup() }
                    }
                }
            case .call(.glareResolved): status.note("\(who) called at the same time; one call kept")
            case .call: break
            case .stats(let stats): status.stats(stats)
            case .warning(let text): status.note("warning: \(text)")
            case .ended(let ended): summary = ended
            }
            if summary != nil { break }
        }
        limit?.cancel()
        await engine.shutdown()
        await connection.close()
        tasks.finish()
        await running
        status.finish()
        guard let summary else { throw Failure(message: "the call ended without a result", code: .failure) }
        if settings.json {
            print(summary.json)
        } else {
            for line in summary.textLines { print(line) }
        }
        let exit = ExitStatus.of(summary)
        if exit != .success {
            FileHandle.standardError.write(Data("parley: \(summary.reason)\n".utf8))
            Foundation.exit(exit.rawValue)
        }
    }

    // MARK: Reaching the peer

    private func connect(
        identity: LocalIdentity, credentials: SessionCredentials, status: CallStatusOutput
    ) async throws -> PeerConnection {
        var config = settings.sessionConfig
        let host: String
        let port: Int
        switch target {
        case .address(let endpoint):
            (host, port) = (endpoint.host, endpoint.port)
        case .identity, .nickname:
            let peer = try await discover(identity: identity)
            if let expected = config.expectedPeer, !expected.matches(peer.peerID) {
                throw Failure(message: "\(peer.nickname) is not the peer --expect names", code: .wrongKey)
            }
            // The handshake must prove the identity the peer announced.
            config.expectedPeer = .peerID(peer.peerID)
            (host, port) = (peer.address.host, Int(peer.ports[0]))
            status.note("found \(LineOutput.sanitize(peer.nickname)) (\(peer.fingerprint)) at \(peer.endpointText)")
        }
        do throws(ConnectError) {
            return try await SessionConnector.connect(host: host, port: port, credentials: credentials, config: config)
        } catch {
            throw Failure(message: error.description, code: error.exitStatus)
        }
    }

    /// Looks for the peer on the LAN for up to `--wait` seconds (without announcing ourselves).
    private func discover(identity: LocalIdentity) async throws -> DiscoveredPeer {
        let service: DiscoveryService
        do {
            service = try await DiscoveryService.start(
                identity: identity, config: DiscoveryConfig(ports: []), interfaces: settings.interfaces)
        } catch let error as DiscoveryStartError {
            throw error.failure
        }
        let found: Result<DiscoveredPeer, any Error>
        do {
            found = .success(try await search(service))
        } catch {
            found = .failure(error)
        }
        await service.stop()
        return try found.get()
    }

    /// Polls the LAN's peers until exactly one matches, or `--wait` has passed.
    private func search(_ service: DiscoveryService) async throws -> DiscoveredPeer {
        let deadline = ContinuousClock.now + .milliseconds(Int64(settings.wait * 1000))
        while true {
            let matches = await service.peers().filter(matches)
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 {
                throw Failure(
                    message: "\(matches.count) peers are called \(describeTarget); name one by its fingerprint",
                    code: .failure)
            }
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(
            message: "no peer \(describeTarget) heard on the local network in \(settings.wait) s", code: .unreachable)
    }

    private func matches(_ peer: DiscoveredPeer) -> Bool {
        switch target {
        case .address: false
        case .identity(let expected): expected.matches(peer.peerID)
        case .nickname(let name): peer.nickname == name
        }
    }

    private var describeTarget: String {
        switch target {
        case .address(let endpoint): endpoint.description
        case .identity(.fingerprint(let fp)): fp
        case .identity(.peerID(let id)): id.fingerprint.description
        case .nickname(let name): LineOutput.sanitize(name)
        }
    }
}
