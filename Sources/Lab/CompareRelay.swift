import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the relay itself counts about the traffic it carried (from its Prometheus metrics):
/// who talks to whom and how much — never what, since every session is end-to-end encrypted.
struct RelayView: Codable, Sendable, Equatable {
    /// Circuits it opened since it started: each a pair of peers it saw talking.
    var sessionPairs: Int
    /// Sealed data messages, and their payload bytes, it forwarded since it started.
    var messagesForwarded: Int
    var bytesForwarded: Int
    /// Clients connected when it was asked.
    var clients: Int

    /// Reads the relay's counters from its /metrics text; nil when one is missing. Values are
    /// whole numbers, written `3` (counters) or `3.0` (gauges).
    init?(metrics text: String) {
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]).flatMap({ Int(exactly: $0) }) {
                values[String(parts[0])] = value
            }
        }
        guard let pairs = values["parley_relay_circuits_opened_total"],
            let messages = values["parley_relay_frames_forwarded_total"],
            let bytes = values["parley_relay_bytes_forwarded_total"], let clients = values["parley_relay_clients"]
        else { return nil }
        self.init(sessionPairs: pairs, messagesForwarded: messages, bytesForwarded: bytes, clients: clients)
    }

    init(sessionPairs: Int, messagesForwarded: Int, bytesForwarded: Int, clients: Int) {
        self.sessionPairs = sessionPairs
        self.messagesForwarded = messagesForwarded
        self.bytesForwarded = bytesForwarded
        self.clients = clients
    }
}

/// What `parley relay` prints at start, read back: its identity and the ports it bound.
struct RelayStartInfo: Sendable, Equatable {
    var peerID: String?
    var fingerprint: String?
    var port: Int?
    var metricsPort: Int?

    /// Whether every line the lab needs has been read.
    var isComplete: Bool { peerID != nil && fingerprint != nil && port != nil && metricsPort != nil }

    /// Takes one start line: `relay ID`, `fingerprint FP`, `listening on HOST:PORT`,
    /// `metrics on http://HOST:PORT/metrics`; other lines are ignored.
    mutating func read(_ line: String) {
        if line.hasPrefix("relay ") {
            peerID = String(line.dropFirst("relay ".count))
        } else if line.hasPrefix("fingerprint ") {
            fingerprint = String(line.dropFirst("fingerprint ".count))
        } else if line.hasPrefix("listening on ") {
            port = Self.port(of: line.dropFirst("listening on ".count))
        } else if line.hasPrefix("metrics on http://") {
            let rest = line.dropFirst("metrics on http://".count)
            metricsPort = Self.port(of: rest.prefix { $0 != "/" })
        }
    }

    /// The port of `HOST:PORT` or `[V6]:PORT`.
    static func port(of address: Substring) -> Int? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...]).flatMap { (1...65535).contains($0) ? $0 : nil }
    }
}

/// The client/server model's relay: a real `parley relay` process on the lab host after the
/// peers (loopback, or the spare namespace), with a throwaway home for its identity. Its load
/// is read from the kernel (/proc: CPU time, bytes its sockets read and wrote, connections)
/// and what it saw from its own metrics.
final class RelayInfrastructure: ModelInfrastructure, @unchecked Sendable {
    let process: LabProcess
    /// Where the lab nodes reach it, and the identity it must prove.
    let host: String
    let port: Int
    let fingerprint: String
    private let metricsPort: Int
    private let inNamespace: Bool
    private let cleanup: CleanupRegistry
    private let token: Int

    private init(
        process: LabProcess, host: String, info: RelayStartInfo, inNamespace: Bool, cleanup: CleanupRegistry,
        token: Int
    ) {
        self.process = process
        self.host = host
        port = info.port ?? 0
        fingerprint = info.fingerprint ?? ""
        metricsPort = info.metricsPort ?? 0
        self.inNamespace = inNamespace
        self.cleanup = cleanup
        self.token = token
    }

    static func start(runner: LabRunner, hostIndex: Int, peers: Int) async throws(LabFailure) -> RelayInfrastructure {
        let inNamespace = !runner.hosts.launcher(for: hostIndex).isEmpty
        let launcher = try runner.launcher(for: hostIndex, model: .clientServer, peers: peers)
        let home = FileManager.default.temporaryDirectory
            .appendingPathComponent("parley-compare-relay-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        } catch {
            throw LabFailure(message: "cannot create \(home): \(error.localizedDescription)")
        }
        let host = runner.hosts.address(of: hostIndex)
        let command =
            launcher + [
                runner.executable, "relay", "--home", home, "--listen", "\(host):0", "--metrics", "127.0.0.1:0",
                "--log-level", "warning",
            ]
        let process: LabProcess
        do throws(LabFailure) {
            process = try LabProcess(label: "relay", executable: command[0], arguments: Array(command.dropFirst()))
        } catch {
            try? FileManager.default.removeItem(atPath: home)
            throw error
        }
        let token = runner.cleanup.add("relay (pid \(process.pid))") {
            process.kill()
            try? FileManager.default.removeItem(atPath: home)
        }
        var info = RelayStartInfo()
        do throws(LabFailure) {
            while !info.isComplete { info.read(try await process.nextLine(timeout: .seconds(15))) }
        } catch {
            runner.cleanup.run(token)
            throw error
        }
        return RelayInfrastructure(
            process: process, host: host, info: info, inNamespace: inNamespace, cleanup: runner.cleanup,
            token: token)
    }

    func load(since baseline: NodeLoad?) async -> NodeLoad? {
        guard let sample = ProcSample.read(pid: process.pid) else { return nil }
        var load = NodeLoad(
            name: LoadBreakdown.relayName, bytesSent: sample.bytesWritten, bytesReceived: sample.bytesRead,
            cpuSeconds: sample.cpuSeconds,
            connections: ProcSample.establishedConnections(pid: process.pid, localPort: port))
        if let baseline {
            load.bytesSent -= baseline.bytesSent
            load.bytesReceived -= baseline.bytesReceived
            load.cpuSeconds -= baseline.cpuSeconds
            // Asked after the bytes were read, so that the answer's own bytes do not count.
            let text = await MetricsScrape.get(port: metricsPort, inNamespaceOf: inNamespace ? process.pid : nil)
            load.serverView = text.flatMap { RelayView(metrics: $0) }
        }
        return load
    }

    func kill() { process.kill() }

    func stop() async {
        process.kill(SIGTERM)
        await process.waitForExit(grace: .seconds(3))
        cleanup.run(token)
    }
}
