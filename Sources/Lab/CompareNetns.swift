import Foundation
import RunSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Where the lab's processes run: all on loopback, or each in a network namespace of its own
/// on a virtual LAN.
protocol LabHosts: Sendable {
    /// The address host `index` listens on.
    func address(of index: Int) -> String
    /// The command prefix that runs a program on host `index` (empty on loopback).
    func launcher(for index: Int) -> [String]
    /// Cuts the link between two hosts (both directions), or explains why it cannot.
    func cutLink(between a: Int, and b: Int) throws(LabFailure)
    /// Why links cannot be cut here, or nil when they can.
    var linkCutUnavailableReason: String? { get }
    /// Restores every link cut so far.
    func healLinks()
}

/// Every process on 127.0.0.1: nothing leaves the machine (the lab does not use discovery, and
/// every socket binds the loopback address).
struct LoopbackHosts: LabHosts {
    func address(of index: Int) -> String { "127.0.0.1" }
    func launcher(for index: Int) -> [String] { [] }
    var linkCutUnavailableReason: String? { "needs --netns (a link can only be cut between namespaces)" }
    func cutLink(between a: Int, and b: Int) throws(LabFailure) {
        throw LabFailure(message: linkCutUnavailableReason ?? "")
    }
    func healLinks() {}
}

/// Hosts in network namespaces on one bridge: `<prefix>s` holds the bridge (so nothing is
/// added to the host's own interfaces) and one veth pair per host; host `i` is namespace
/// `<prefix>h<i>` with `eth0` at 10.77.0.(i+1)/24. Every namespace is registered for removal
/// the moment it exists; removing a namespace removes its interfaces and nftables rules.
final class NetnsHosts: LabHosts, @unchecked Sendable {
    /// Names start with this, followed by the orchestrator's process ID.
    static let namePrefix = "plab"
    static let maxHosts = 250

    let prefix: String
    let count: Int
    private let ip: String
    private let nft: String?
    private let cleanup: CleanupRegistry
    private let cuts = CutList()

    /// Why namespaces cannot be used here, or nil when they can.
    static var unavailableReason: String? {
        guard geteuid() == 0 else { return "--netns needs root (network namespaces)" }
        guard Tool.find("ip") != nil else { return "--netns needs ip (iproute2)" }
        return nil
    }

    /// Creates the bridge and `count` hosts. On failure, whatever was made is removed.
    init(count: Int, cleanup: CleanupRegistry, prefix: String = NetnsHosts.defaultPrefix) throws(LabFailure) {
        if let reason = Self.unavailableReason { throw LabFailure(message: reason) }
        guard count <= Self.maxHosts else {
            throw LabFailure(message: "--netns supports at most \(Self.maxHosts) hosts")
        }
        self.prefix = prefix
        self.count = count
        self.cleanup = cleanup
        ip = Tool.find("ip") ?? "ip"
        nft = Tool.find("nft")
        let switchName = prefix + "s"
        try addNamespace(switchName)
        let bridge = prefix + "br"
        try Tool.check(ip, ["-n", switchName, "link", "add", bridge, "type", "bridge"])
        try Tool.check(ip, ["-n", switchName, "link", "set", bridge, "up"])
        for index in 0..<count {
            let name = hostName(index)
            try addNamespace(name)
            let port = prefix + "v" + String(index)
            try Tool.check(
                ip, ["-n", switchName, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", name])
            try Tool.check(ip, ["-n", switchName, "link", "set", port, "master", bridge, "up"])
            try Tool.check(ip, ["-n", name, "addr", "add", address(of: index) + "/24", "dev", "eth0"])
            try Tool.check(ip, ["-n", name, "link", "set", "eth0", "up"])
            try Tool.check(ip, ["-n", name, "link", "set", "lo", "up"])
        }
    }

    static var defaultPrefix: String { namePrefix + String(getpid()) }

    /// Caps every host's link at `mbit` Mbit/s each way with a token bucket (tbf): upload on the
    /// host's `eth0`, download on its port of the bridge. The namespaces take the queues with them.
    func capLinks(mbit: Double) throws(LabFailure) {
        guard let tc = Tool.find("tc") else { throw LabFailure(message: "link caps need tc (iproute2)") }
        let (rate, burst) = Self.tokenBucket(mbit: mbit)
        let tbf = ["root", "tbf", "rate", "\(rate)bit", "burst", String(burst), "latency", "50ms"]
        for index in 0..<count {
            try Tool.check(ip, ["netns", "exec", hostName(index), tc, "qdisc", "replace", "dev", "eth0"] + tbf)
            try Tool.check(
                ip, ["netns", "exec", prefix + "s", tc, "qdisc", "replace", "dev", prefix + "v" + String(index)] + tbf)
        }
    }

    /// The bucket for `mbit`: the rate in bit/s, and a burst of 10 ms at that rate (at least
    /// 16 KiB, so that one maximal segment train always fits).
    static func tokenBucket(mbit: Double) -> (rate: Int, burst: Int) {
        let rate = Int((mbit * 1_000_000).rounded())
        return (rate, max(16 * 1024, rate / 8 / 100))
    }

    func hostName(_ index: Int) -> String { prefix + "h" + String(index) }

    func address(of index: Int) -> String { "10.77.0.\(index + 1)" }

    func launcher(for index: Int) -> [String] { [ip, "netns", "exec", hostName(index)] }

    var linkCutUnavailableReason: String? { nft == nil ? "needs nft (nftables)" : nil }

    /// Drops every packet between hosts `a` and `b`, in `a`'s namespace, both directions.
    func cutLink(between a: Int, and b: Int) throws(LabFailure) {
        guard let nft else { throw LabFailure(message: linkCutUnavailableReason ?? "") }
        let ns = hostName(a)
        let other = address(of: b)
        let script = """
            table inet parleylab {
              chain in { type filter hook input priority 0; policy accept; ip saddr \(other) drop; }
              chain out { type filter hook output priority 0; policy accept; ip daddr \(other) drop; }
            }
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-cut.nft").path
        guard FileManager.default.createFile(atPath: path, contents: Data(script.utf8)) else {
            throw LabFailure(message: "cannot write \(path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Tool.check(ip, ["netns", "exec", ns, nft, "-f", path])
        let ip = ip
        cuts.add(
            cleanup.add("nftables table parleylab in \(ns)") {
                Tool.run(ip, ["netns", "exec", ns, nft, "delete", "table", "inet", "parleylab"])
            })
    }

    /// Deletes the rules of every cut (the namespaces stay for the next run).
    func healLinks() {
        for token in cuts.takeAll() { cleanup.run(token) }
    }

    private func addNamespace(_ name: String) throws(LabFailure) {
        try Tool.check(ip, ["netns", "add", name])
        let ip = ip
        cleanup.add("network namespace \(name)") { Tool.run(ip, ["netns", "del", name]) }
    }

    /// The lab's namespaces that exist now (for tests and for a final check).
    static func leftovers(prefix: String = namePrefix) -> [String] {
        guard let ip = Tool.find("ip") else { return [] }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = ["netns", "list"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix(prefix) }
    }
}

/// The cleanup tokens of the links cut and not yet restored.
final class CutList: @unchecked Sendable {
    private let lock = NSLock()
    private var tokens: [Int] = []

    func add(_ token: Int) {
        lock.lock()
        tokens.append(token)
        lock.unlock()
    }

    func takeAll() -> [Int] {
        lock.lock()
        let taken = tokens
        tokens = []
        lock.unlock()
        return taken
    }
}
