import Crypto
import Foundation
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// The identity on disk, under one directory (by default `$XDG_DATA_HOME/parley`):
/// `identity.key` (Ed25519 secret), `static.key` (X25519 Noise static secret), both mode 0600,
/// and `nickname`. Created on first use, reused afterwards.
public struct IdentityStore: Sendable {
    public static let identityKeyFile = "identity.key"
    public static let staticKeyFile = "static.key"
    public static let nicknameFile = "nickname"
    static let identityHeader = "parley ed25519 identity key v1"
    static let staticHeader = "parley x25519 static key v1"

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `--home` if given, else `$XDG_DATA_HOME/parley`, else `$HOME/.local/share/parley`.
    public static func defaultDirectory(
        home: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let home, !home.isEmpty { return home }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/parley" }
        let userHome = environment["HOME"] ?? NSHomeDirectory()
        return userHome + "/.local/share/parley"
    }

    public var identityKeyPath: String { directory + "/" + Self.identityKeyFile }
    public var staticKeyPath: String { directory + "/" + Self.staticKeyFile }
    public var nicknamePath: String { directory + "/" + Self.nicknameFile }

    /// Loads the identity, creating whatever part of it is missing.
    /// `defaultNickname` names a new identity; it is ignored when a nickname file exists.
    public func loadOrCreate(defaultNickname: String) throws(IdentityError) -> LocalIdentity {
        try createDirectory()
        let seed = try loadOrCreateSecret(at: identityKeyPath, header: Self.identityHeader) {
            Curve25519.Signing.PrivateKey().rawRepresentation
        }
        let staticSecret = try loadOrCreateSecret(at: staticKeyPath, header: Self.staticHeader) {
            Curve25519.KeyAgreement.PrivateKey().rawRepresentation
        }
        let signing: Curve25519.Signing.PrivateKey
        let staticKey: Curve25519.KeyAgreement.PrivateKey
        do {
            signing = try .init(rawRepresentation: seed)
            staticKey = try .init(rawRepresentation: staticSecret)
        } catch {
            throw .corruptKeyFile(path: identityKeyPath)
        }
        let nickname: String
        if let saved = try loadNickname() {
            nickname = saved
        } else {
            nickname = Nickname.isValid(defaultNickname) ? defaultNickname : "anonymous"
            try saveNickname(nickname)
        }
        return LocalIdentity(signingKey: signing, staticKey: staticKey, nickname: nickname)
    }

    public func saveNickname(_ nickname: String) throws(IdentityError) {
        guard Nickname.isValid(nickname) else { throw .invalidNickname(nickname) }
        try FileOps.writeAtomically(Array((nickname + "\n").utf8), to: nicknamePath, mode: 0o644)
    }

    func loadNickname() throws(IdentityError) -> String? {
        guard let bytes = try FileOps.readIfExists(nicknamePath) else { return nil }
        let nick = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        guard Nickname.isValid(nick) else { throw .invalidNickname(nick) }
        return nick
    }

    private func createDirectory() throws(IdentityError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notADirectory(directory) }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotWrite(path: directory, reason: "\(error.localizedDescription)")
        }
    }

    private func loadOrCreateSecret(
        at path: String, header: String, generate: () -> Data
    ) throws(IdentityError) -> Data {
        if let existing = try readSecret(at: path, header: header) { return existing }
        let secret = generate()
        let text = header + "\n" + secret.base64EncodedString() + "\n"
        // Another process may create the same file at the same moment; the first one wins and
        // both then use its key.
        if try FileOps.createExclusively(Array(text.utf8), at: path, mode: 0o600) {
            return secret
        }
        guard let winner = try readSecret(at: path, header: header) else { throw .corruptKeyFile(path: path) }
        return winner
    }

    private func readSecret(at path: String, header: String) throws(IdentityError) -> Data? {
        guard let mode = try FileOps.mode(of: path) else { return nil }
        if mode & 0o077 != 0 { throw .insecurePermissions(path: path, mode: mode) }
        guard let bytes = try FileOps.readIfExists(path) else { return nil }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 3, lines[2].isEmpty, lines[0] == header,
            let secret = Data(base64Encoded: String(lines[1])),
            secret.count == 32
        else { throw .corruptKeyFile(path: path) }
        return secret
    }
}

public enum IdentityError: Error, Equatable, CustomStringConvertible {
    case insecurePermissions(path: String, mode: UInt32)
    case corruptKeyFile(path: String)
    case invalidNickname(String)
    case notADirectory(String)
    case cannotWrite(path: String, reason: String)
    case cannotRead(path: String, reason: String)

    public var description: String {
        switch self {
        case .insecurePermissions(let path, let mode):
            "\(path) is readable by others or writable by them (mode \(String(mode, radix: 8))); a secret key must be mode 600. "
                + "Fix it with: chmod 600 \(path)"
        case .corruptKeyFile(let path):
            "\(path) is not a parley key file (damaged or written by something else); move it away to create a new identity"
        case .invalidNickname:
            "invalid nickname: \(Nickname.rule)"
        case .notADirectory(let path): "\(path) exists and is not a directory"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        }
    }
}
