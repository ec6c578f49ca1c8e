import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a model's total CPU budget is shared: every process of the model (each peer, and the
/// relay in client/server) gets an equal part, so both models get the same total.
enum CPUShares {
    /// The cores each process of `model` gets when `peers` peers run under `total` cores.
    static func perProcess(total: Double, model: ModelKind, peers: Int) -> Double {
        total / Double(model == .clientServer ? peers + 1 : peers)
    }

    /// The cgroup v1 CFS quota for `cores` at `period` microseconds: the kernel refuses quotas
    /// below 1 ms.
    static func quotaMicroseconds(cores: Double, period: Int = CPUBudgets.periodMicroseconds) -> Int {
        max(1000, Int((cores * Double(period)).rounded()))
    }
}

/// Per-process CPU budgets through the cgroup v1 `cpu` controller: one cgroup per lab host
/// under `/sys/fs/cgroup/cpu/<prefix>`, its `cpu.cfs_quota_us` set for each run; a process is
/// placed in its host's cgroup before it execs (see `launcher`). Every cgroup is registered for
/// removal the moment it exists (its processes moved back to the root first).
final class CPUBudgets: @unchecked Sendable {
    static let root = "/sys/fs/cgroup/cpu"
    static let periodMicroseconds = 100_000

    let directory: String
    private let cleanup: CleanupRegistry
    private let lock = NSLock()
    private var made: Set<Int> = []

    /// Why budgets cannot be set here, or nil when they can.
    static var unavailableReason: String? {
        guard geteuid() == 0 else { return "CPU budgets need root (cgroups)" }
        guard FileManager.default.isWritableFile(atPath: root + "/cpu.cfs_quota_us") else {
            return "CPU budgets need the cgroup v1 cpu controller at \(root)"
        }
        return nil
    }

    init(cleanup: CleanupRegistry, prefix: String) throws(LabFailure) {
        if let reason = Self.unavailableReason { throw LabFailure(message: reason) }
        directory = Self.root + "/" + prefix
        self.cleanup = cleanup
        try Self.makeDirectory(directory)
        let directory = directory
        cleanup.add("cgroup \(directory)") { Self.remove(directory) }
        // A quota caps the lab's processes; a large weight makes the host's other work yield to
        // them, so that each gets its whole budget on a busy machine.
        try Self.write(String(Self.labShares), to: directory + "/cpu.shares")
    }

    /// The lab's weight against the host's other processes (the kernel's default is 1024).
    static let labShares = 16_384

    /// The cgroup of host `index`, made on first use, with a quota of `cores`.
    func setBudget(host index: Int, cores: Double) throws(LabFailure) {
        let group = path(host: index)
        let isNew = lock.withLock { made.insert(index).inserted }
        if isNew {
            try Self.makeDirectory(group)
            cleanup.add("cgroup \(group)") { Self.remove(group) }
            try Self.write(String(Self.periodMicroseconds), to: group + "/cpu.cfs_period_us")
        }
        try Self.write(String(CPUShares.quotaMicroseconds(cores: cores)), to: group + "/cpu.cfs_quota_us")
    }

    func path(host index: Int) -> String { directory + "/h\(index)" }

    /// The command prefix that puts the process into host `index`'s cgroup, then execs the rest
    /// (the process ID stays the same, so the lab still signals and samples the right process).
    func launcher(host index: Int) -> [String] {
        ["/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", path(host: index) + "/cgroup.procs"]
    }

    /// Scheduler periods in which host `index`'s processes had used up their budget and waited
    /// (cpu.stat `nr_throttled`, since the cgroup was made); nil when it cannot be read.
    func throttledPeriods(host index: Int) -> Int? {
        guard let text = try? String(contentsOfFile: path(host: index) + "/cpu.stat", encoding: .utf8) else {
            return nil
        }
        for line in text.split(separator: "\n") where line.hasPrefix("nr_throttled ") {
            return Int(line.dropFirst("nr_throttled ".count))
        }
        return nil
    }

    private static func makeDirectory(_ path: String) throws(LabFailure) {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw LabFailure(message: "cannot create the cgroup \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func write(_ text: String, to path: String) throws(LabFailure) {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else {
            throw LabFailure(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written >= 0 else {
            throw LabFailure(message: "cannot write \(text) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Moves whatever still runs in the cgroup (and its children) back to the root, then removes
    /// it; children first, since a cgroup with children cannot be removed.
    static func remove(_ path: String) {
        if let children = try? FileManager.default.contentsOfDirectory(atPath: path) {
            for child in children where child.hasPrefix("h") {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path + "/" + child, isDirectory: &isDirectory),
                    isDirectory.boolValue
                {
                    remove(path + "/" + child)
                }
            }
        }
        if let procs = try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8) {
            for pid in procs.split(separator: "\n") { try? write(String(pid), to: root + "/cgroup.procs") }
        }
        rmdir(path)
    }
}
