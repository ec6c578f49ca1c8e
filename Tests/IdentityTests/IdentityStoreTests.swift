import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Identity

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` with the path of a directory that does not exist yet, inside a fresh temporary
/// directory that is removed afterwards.
func withStoreDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let parent = FileManager.default.temporaryDirectory
        .appendingPathComponent("parley-identity-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: parent) }
    return try body(parent + "/parley")
}

/// Permission bits from stat(2).
func permissions(_ path: String) -> UInt32? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return UInt32(info.st_mode) & 0o7777
}

func overwrite(_ path: String, with text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    chmod(path, 0o600)
}

func publicBytes(_ identity: LocalIdentity) -> (peer: [UInt8], statics: [UInt8]) {
    (identity.peerID.bytes, Array(identity.staticKey.publicKey.rawRepresentation))
}

@Suite("IdentityStore")
struct IdentityStoreTests {
    @Test func firstLoadCreatesKeysWithMode0600AndTheNickname() throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            #expect(!FileManager.default.fileExists(atPath: dir))
            let identity = try store.loadOrCreate(defaultNickname: "alice")
            #expect(identity.nickname == "alice")

            #expect(store.identityKeyPath == dir + "/identity.key")
            #expect(store.staticKeyPath == dir + "/static.key")
            #expect(store.nicknamePath == dir + "/nickname")
            #expect(permissions(store.identityKeyPath) == 0o600)
            #expect(permissions(store.staticKeyPath) == 0o600)
            #expect(permissions(dir) == 0o700)
            #expect(try String(contentsOfFile: store.nicknamePath, encoding: .utf8) == "alice\n")

            let identityText = try String(contentsOfFile: store.identityKeyPath, encoding: .utf8)
            let lines = identityText.split(separator: "\n")
            #expect(lines.first == "parley ed25519 identity key v1")
            #expect(lines.count == 2)
            #expect(Data(base64Encoded: String(lines.last ?? "")) == identity.signingKey.rawRepresentation)
            let staticText = try String(contentsOfFile: store.staticKeyPath, encoding: .utf8)
            #expect(staticText.hasPrefix("parley x25519 static key v1\n"))
            #expect(staticText.hasSuffix("\n"))

            // No temporary files left behind.
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(names == ["identity.key", "nickname", "static.key"])
        }
    }

    @Test func secondLoadReturnsTheSameIdentity() throws {
        try withStoreDirectory { dir in
            let first = try IdentityStore(directory: dir).loadOrCreate(defaultNickname: "alice")
            let second = try IdentityStore(directory: dir).loadOrCreate(defaultNickname: "bob")
            #expect(second.peerID == first.peerID)
            #expect(second.staticKey.rawRepresentation == first.staticKey.rawRepresentation)
            #expect(second.signingKey.rawRepresentation == first.signingKey.rawRepresentation)
            #expect(second.nickname == "alice", "an existing nickname wins over the default")
            // A different directory is a different identity.
            let other = try withStoreDirectory { try IdentityStore(directory: $0).loadOrCreate(defaultNickname: "x") }
            #expect(other.peerID != first.peerID)
        }
    }

    @Test func invalidDefaultNicknameBecomesAnonymous() throws {
        try withStoreDirectory { dir in
            let identity = try IdentityStore(directory: dir).loadOrCreate(defaultNickname: "has space")
            #expect(identity.nickname == "anonymous")
        }
    }

    @Test func worldReadableIdentityKeyIsRefused() throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            _ = try store.loadOrCreate(defaultNickname: "alice")
            #expect(chmod(store.identityKeyPath, 0o644) == 0)
            let error = #expect(throws: IdentityError.insecurePermissions(path: store.identityKeyPath, mode: 0o644)) {
                try store.loadOrCreate(defaultNickname: "alice")
            }
            let description = try #require(error).description
            #expect(description.contains(store.identityKeyPath))
            #expect(description.contains("chmod 600 \(store.identityKeyPath)"))
            #expect(description.contains("644"))
        }
    }

    @Test func groupReadableStaticKeyIsRefused() throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            _ = try store.loadOrCreate(defaultNickname: "alice")
            #expect(chmod(store.staticKeyPath, 0o640) == 0)
            let error = #expect(throws: IdentityError.insecurePermissions(path: store.staticKeyPath, mode: 0o640)) {
                try store.loadOrCreate(defaultNickname: "alice")
            }
            let description = try #require(error).description
            #expect(description.contains(store.staticKeyPath))
            #expect(description.contains("chmod 600"))
            // Fixing it as told makes the store usable again, with the same keys.
            #expect(chmod(store.staticKeyPath, 0o600) == 0)
            _ = try store.loadOrCreate(defaultNickname: "alice")
        }
    }

    @Test func anyGroupOrOtherBitIsRefused() throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            _ = try store.loadOrCreate(defaultNickname: "alice")
            for mode: UInt32 in [0o601, 0o602, 0o604, 0o610, 0o620] {
                #expect(chmod(store.identityKeyPath, mode_t(mode)) == 0)
                #expect(throws: IdentityError.insecurePermissions(path: store.identityKeyPath, mode: mode)) {
                    try store.loadOrCreate(defaultNickname: "alice")
                }
            }
            #expect(chmod(store.identityKeyPath, 0o400) == 0)
            _ = try store.loadOrCreate(defaultNickname: "alice")
        }
    }

    @Test(
        "a corrupt key file is reported",
        arguments: [
            "",
            "garbage\n",
            "parley ed25519 identity key v1\n",
            "parley ed25519 identity key v1\n!!!not base64!!!\n",
            "parley ed25519 identity key v1\nAAAA\n",  // 3 bytes, not 32
            "parley x25519 static key v1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  // wrong header
            "parley ed25519 identity key v1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextra\n",
        ])
    func corruptIdentityKey(contents: String) throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            _ = try store.loadOrCreate(defaultNickname: "alice")
            try overwrite(store.identityKeyPath, with: contents)
            #expect(throws: IdentityError.corruptKeyFile(path: store.identityKeyPath)) {
                try store.loadOrCreate(defaultNickname: "alice")
            }
        }
    }

    @Test func corruptStaticKeyIsReportedWithItsOwnPath() throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            _ = try store.loadOrCreate(defaultNickname: "alice")
            try overwrite(store.staticKeyPath, with: "parley ed25519 identity key v1\nAAAA\n")
            #expect(throws: IdentityError.corruptKeyFile(path: store.staticKeyPath)) {
                try store.loadOrCreate(defaultNickname: "alice")
            }
        }
    }

    @Test func savedNicknameIsLoaded() throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            let first = try store.loadOrCreate(defaultNickname: "alice")
            try store.saveNickname("🦊fox")
            let again = try store.loadOrCreate(defaultNickname: "alice")
            #expect(again.nickname == "🦊fox")
            #expect(again.peerID == first.peerID)
            #expect(try store.loadNickname() == "🦊fox")
        }
    }

    @Test(
        "invalid nicknames are not saved", arguments: ["", "two words", "tab\there", String(repeating: "n", count: 33)])
    func invalidNicknameRejected(nick: String) throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            _ = try store.loadOrCreate(defaultNickname: "alice")
            #expect(throws: IdentityError.invalidNickname(nick)) { try store.saveNickname(nick) }
            #expect(try store.loadOrCreate(defaultNickname: "x").nickname == "alice")
        }
    }

    @Test func invalidNicknameFileIsRefused() throws {
        try withStoreDirectory { dir in
            let store = IdentityStore(directory: dir)
            _ = try store.loadOrCreate(defaultNickname: "alice")
            try Data("two words\n".utf8).write(to: URL(fileURLWithPath: store.nicknamePath))
            #expect(throws: IdentityError.invalidNickname("two words")) {
                try store.loadOrCreate(defaultNickname: "alice")
            }
        }
    }

    @Test func aFileWhereTheDirectoryShouldBeIsRefused() throws {
        try withStoreDirectory { dir in
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir))
            #expect(throws: IdentityError.notADirectory(dir)) {
                try IdentityStore(directory: dir).loadOrCreate(defaultNickname: "alice")
            }
        }
    }

    @Test func concurrentFirstLoadsAgreeOnOneIdentity() throws {
        for round in 0..<8 {
            try withStoreDirectory { dir in
                let results = Mutex<[Result<LocalIdentity, IdentityError>]>([])
                DispatchQueue.concurrentPerform(iterations: 4) { _ in
                    let result = Result { () throws(IdentityError) in
                        try IdentityStore(directory: dir).loadOrCreate(defaultNickname: "alice")
                    }
                    results.withLock { $0.append(result) }
                }
                let identities = try results.withLock { list in try list.map { try $0.get() } }
                #expect(identities.count == 4)
                let onDisk = try IdentityStore(directory: dir).loadOrCreate(defaultNickname: "alice")
                for identity in identities {
                    #expect(publicBytes(identity) == publicBytes(onDisk), "round \(round)")
                }
            }
        }
    }
}

@Suite("IdentityStore.defaultDirectory")
struct DefaultDirectoryTests {
    let environment = ["HOME": "/home/ann", "XDG_DATA_HOME": "/data/ann"]

    @Test func homeOptionBeatsEverything() {
        #expect(IdentityStore.defaultDirectory(home: "/opt/p", environment: environment) == "/opt/p")
        #expect(IdentityStore.defaultDirectory(home: "relative/p", environment: environment) == "relative/p")
    }

    @Test func xdgDataHomeBeatsHome() {
        #expect(IdentityStore.defaultDirectory(home: nil, environment: environment) == "/data/ann/parley")
        #expect(IdentityStore.defaultDirectory(home: "", environment: environment) == "/data/ann/parley")
    }

    @Test func relativeOrEmptyXdgIsIgnored() {
        for xdg in ["data", "./data", "~/data", ""] {
            #expect(
                IdentityStore.defaultDirectory(home: nil, environment: ["HOME": "/home/ann", "XDG_DATA_HOME": xdg])
                    == "/home/ann/.local/share/parley", "XDG_DATA_HOME=\(xdg)")
        }
    }

    @Test func homeIsTheFallback() {
        #expect(
            IdentityStore.defaultDirectory(home: nil, environment: ["HOME": "/home/bo"])
                == "/home/bo/.local/share/parley")
    }
}
