import Foundation
import RunSupport
import TestSupport
import Testing

/// `make install` and `make deb` with the binary this test run built (`PARLEY_BIN`), so that the
/// suite never builds parley a second time; the release build they make by default differs only
/// in being optimized and carrying the Swift runtime inside (which `deb.sh` checks).
@Suite("Installing: make install and the Debian package")
struct PackagingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs a program to its end on a thread of its own; standard output and error together.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (
        status: Int32, output: String
    ) {
        try await offThePool {
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    static func has(_ tool: String) -> Bool {
        ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + tool) }
    }

    static let makeMissing: String? = has("make") && has("gzip") ? nil : "needs make and gzip (bash .ci/deps)"
    static let debMissing: String? = {
        guard geteuid() == 0 else { return "needs root to install a package" }
        guard ["make", "dpkg", "dpkg-deb", "dpkg-shlibdeps", "strip", "man"].allSatisfy(has) else {
            return "needs make, dpkg-dev, binutils and man-db (bash .ci/deps)"
        }
        return nil
    }()

    func make(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let result = try await Self.run(
            ["make", "--no-print-directory", "-C", Self.root.path] + arguments
                + ["PARLEY_BIN=\(ParleyProcess.binary.path)"],
            environment: environment)
        try #require(result.status == 0, "make \(arguments.joined(separator: " ")): \(result.output)")
        return result.output
    }

    @Test(.enabled(if: makeMissing == nil, "skipped: \(makeMissing ?? "")"), arguments: ["/usr/local", "/usr"])
    func installPutsEveryFileWhereTheSystemLooksAndUninstallTakesThemAway(prefix: String) async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let stage = scratch.path + "/stage"
        _ = try await make(["install", "DESTDIR=\(stage)", "PREFIX=\(prefix)"])
        let root = stage + prefix

        let version = try await Self.run([root + "/bin/parley", "--version"])
        #expect(version.status == 0 && version.output.hasPrefix("parley "))
        let man = try await Self.run(["gzip", "-dc", root + "/share/man/man1/parley.1.gz"])
        #expect(man.output == (try String(contentsOf: Self.root.appendingPathComponent("Man/parley.1"), encoding: .utf8)))
        let zsh = prefix == "/usr" ? "/share/zsh/vendor-completions/_parley" : "/share/zsh/site-functions/_parley"
        for file in ["/share/bash-completion/completions/parley", zsh, "/share/fish/vendor_completions.d/parley.fish"] {
            #expect(FileManager.default.fileExists(atPath: root + file), "\(file) installed")
        }
        let unit = try String(contentsOfFile: root + "/lib/systemd/system/parley-relay.service", encoding: .utf8)
        #expect(unit.contains("\nExecStart=\(prefix)/bin/parley relay "), "the unit starts the installed binary")

        _ = try await make(["uninstall", "DESTDIR=\(stage)", "PREFIX=\(prefix)"])
        let left = FileManager.default.enumerator(atPath: stage)?.compactMap { entry -> String? in
            var directory: ObjCBool = false
            let path = stage + "/" + (entry as? String ?? "")
            return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue
                ? path : nil
        }
        #expect(left == [], "nothing installed is left")
    }

    @Test(.enabled(if: makeMissing == nil && debMissing == nil, "skipped: \(debMissing ?? makeMissing ?? "")"))
    func aPackageOfABinaryThatNeedsTheToolchainIsRefusedUnlessAskedFor() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let result = try await Self.run(
            ["make", "--no-print-directory", "-C", Self.root.path, "deb", "PARLEY_BIN=\(ParleyProcess.binary.path)"],
            environment: ["PARLEY_DEB_DIR": scratch.path])
        #expect(result.status != 0)
        #expect(result.output.contains("needs the Swift toolchain's"), "\(result.output)")
        #expect((try FileManager.default.contentsOfDirectory(atPath: scratch.path)).isEmpty)
    }

    /// Installs the package on this machine with dpkg, runs the binary and the man page from
    /// there, then purges it (and removes the relay's system user if the package created it).
    @Test(.enabled(if: makeMissing == nil && debMissing == nil, "skipped: \(debMissing ?? makeMissing ?? "")"))
    func theDebianPackageInstallsRunsAndPurges() async throws {
        let installed = try await Self.run(["dpkg-query", "-W", "-f", "${Status}", "parley"])
        try #require(
            !installed.output.contains("installed"), "a parley package is installed here already; not touching it")
        let userExisted = try await Self.run(["getent", "passwd", "parley-relay"]).status == 0
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let built = try await make(
            ["deb"],
            environment: [
                "PARLEY_DEB_DIR": scratch.path, "PARLEY_DEB_TOOLCHAIN_RUNTIME": "1", "PARLEY_DEB_COMPRESSION": "gzip",
            ])
        let package = try #require(built.split(separator: "\n").last.map(String.init))
        #expect(package.hasPrefix(scratch.path + "/parley_") && package.hasSuffix(".deb"))

        // Everything is probed before any expectation, so the package is purged whatever fails.
        let install = try await Self.run(["dpkg", "-i", package])
        let version = try await Self.run(["/usr/bin/parley", "--version"])
        let man = try await Self.run(["man", "-P", "cat", "parley"], environment: ["MANWIDTH": "80"])
        let depends = try await Self.run(["dpkg-query", "-W", "-f", "${Depends}", "parley"])
        let user = try await Self.run(["getent", "passwd", "parley-relay"])
        let purge = try await Self.run(["dpkg", "--purge", "parley"])
        if !userExisted { _ = try await Self.run(["userdel", "parley-relay"]) }

        #expect(install.status == 0, "dpkg -i: \(install.output)")
        #expect(version.status == 0 && version.output.hasPrefix("parley "), "\(version.output)")
        #expect(man.status == 0 && man.output.contains("parley chat"), "man parley: \(man.output.prefix(300))")
        for library in ["libopus0", "libsqlite3-0", "libsodium23", "libncursesw6", "libasound2"] {
            #expect(depends.output.contains(library), "Depends: \(depends.output)")
        }
        #expect(user.status == 0, "the relay's system user is there")
        #expect(purge.status == 0, "dpkg --purge: \(purge.output)")
        #expect(!FileManager.default.fileExists(atPath: "/usr/bin/parley"))
        #expect(!FileManager.default.fileExists(atPath: "/usr/share/man/man1/parley.1.gz"))
    }
}
