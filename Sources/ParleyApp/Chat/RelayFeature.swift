import Identity
import Net
import Session
import TUI

/// The relay integration of `parley chat`: connects to a relay (`--relay` at start, or
/// `/relay HOST:PORT`), hands its client to the chat core with a way to reconnect, and carries
/// out `/relay` and `/path`. Sessions peers open through the relay and mail it hands over go
/// to the chat core.
struct RelayFeature: RelayCommands {
    let credentials: SessionCredentials
    let sessionConfig: SessionConfig
    /// The relay network joined (`--relay-network`).
    let network: String
    /// The relay given with `--relay`, pinned with `--relay-fingerprint` if given.
    let configured: RelayTarget?

    /// Where and how to reach a relay typed as HOST:PORT: the configured one keeps its pin.
    func target(_ endpoint: Endpoint) -> RelayTarget {
        if let configured, configured.host == endpoint.host, configured.port == endpoint.port { return configured }
        return RelayTarget(host: endpoint.host, port: endpoint.port, network: Array(network.utf8), expected: nil)
    }

    /// Connects and registers; throws `Failure` with the reason when the relay cannot be used.
    func start(_ target: RelayTarget, chat: ChatController) async throws {
        let connect: @Sendable () async throws -> RelayClient = { [credentials, sessionConfig] in
            try await target.connect(
                credentials: credentials, sessionConfig: sessionConfig,
                onSession: { connection, _ in Task { await chat.attach(connection) } },
                onMail: { id, sealed in Task { await chat.receivedMail(id: id, sealed: sealed) } })
        }
        let client = try await connect()
        await chat.useRelay(client, credentials: credentials, sessionConfig: sessionConfig, reconnect: connect)
    }

    func handle(_ command: UserCommand, in conversation: ConversationID, chat: ChatController) async {
        switch command {
        case .relay(.show):
            await chat.showRelay(network: network, in: conversation)
        case .relay(.off):
            await chat.stopRelay()
            await chat.show(.notice("relay off: sessions only go direct", in: conversation))
        case .relay(.connect(let text)):
            guard let endpoint = Endpoint(argument: text) else {
                await chat.show(.error("/relay: '\(LineOutput.sanitize(text))' is not HOST:PORT", in: conversation))
                return
            }
            await chat.stopRelay()
            await chat.show(.notice("connecting to the relay \(endpoint)", in: conversation))
            do {
                try await start(target(endpoint), chat: chat)
            } catch {
                await chat.show(.error("cannot use the relay \(endpoint): \(error)", in: conversation))
            }
        case .path(let nickname, let choice):
            await chat.choosePath(nickname, choice, in: conversation)
        default:
            break
        }
    }
}
