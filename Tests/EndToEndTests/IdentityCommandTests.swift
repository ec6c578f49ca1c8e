import Foundation
import Testing

@Suite("parley id")
struct IdentityCommandTests {
    @Test func firstRunCreatesPrivateKeyFilesAndLaterRunsReuseThem() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let home = scratch.home("a")
        let first = try await ParleyProcess.run(["id"], home: home)
        #expect(first.status == 0)
        #expect(first.stdout.contains("nickname:    tester"))
        for file in ["identity.key", "static.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: home + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
        let second = try await ParleyProcess.run(["id"], home: home)
        #expect(second.stdout == first.stdout)
        let fingerprint = first.stdout.split(separator: "\n").first { $0.hasPrefix("fingerprint:") }
        #expect(fingerprint?.split(separator: " ").last?.split(separator: "-").count == 5)
    }

    @Test func aSecretKeyReadableByOthersIsRefusedWithAClearMessage() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let home = scratch.home("a")
        #expect(try await ParleyProcess.run(["id"], home: home).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: home + "/identity.key")
        let refused = try await ParleyProcess.run(["id"], home: home)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("identity.key is readable by others"))
        #expect(refused.stderr.contains("chmod 600"))
        let chat = try await ParleyProcess.run(["chat", "--listen", "127.0.0.1:0"], home: home)
        #expect(chat.status == 1, "chat must refuse to start too")
    }

    @Test func nickChangesTheNicknameAndHomeSeparatesIdentities() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let renamed = try await ParleyProcess.run(["id", "--nick", "carol"], home: scratch.home("a"))
        #expect(renamed.stdout.contains("nickname:    carol"))
        #expect(try await ParleyProcess.run(["id"], home: scratch.home("a")).stdout.contains("nickname:    carol"))
        let other = try await ParleyProcess.run(["id", "--json"], home: scratch.home("b"))
        #expect(other.stdout.contains("\"nickname\":\"tester\""))
        #expect(!other.stdout.contains(renamed.stdout.split(separator: "\n")[1].split(separator: " ").last!))
        let bad = try await ParleyProcess.run(["id", "--nick", "two words"], home: scratch.home("a"))
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("invalid nickname"))
    }

    @Test func xdgDataHomeIsTheDefaultLocation() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let result = try await ParleyProcess.run(
            ["id"], environment: ["XDG_DATA_HOME": scratch.path, "PARLEY_HOME": ""])
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/parley/identity.key"))
    }
}
