import Net
import Session

/// What the LAN relay integration (`RelayFeature`, `LANRelayWatch`) needs of the chat core.
extension ChatController {
    /// Whether a relay is in use now.
    var hasRelay: Bool { relayState.client != nil }

    /// Takes a relay client found on the LAN, unless another relay came into use meanwhile
    /// (then the caller closes it).
    func adoptRelay(
        _ client: RelayClient, credentials: SessionCredentials, sessionConfig: SessionConfig,
        reconnect: @escaping @Sendable () async throws -> RelayClient
    ) -> Bool {
        guard relayState.client == nil else { return false }
        useRelay(client, credentials: credentials, sessionConfig: sessionConfig, reconnect: reconnect)
        return true
    }
}
