import ChatClient
import Foundation
import Identity
import Net
import RunSupport
import Session

extension ChatCommand {
    /// Announces `port` on the LAN and lets the chat open sessions to what it discovers.
    func startDiscovery(
        identity: LocalIdentity, credentials: SessionCredentials, port: Int, chat: ChatController,
        display: any ChatDisplay
    ) async throws -> DiscoveryService {
        var config = DiscoveryConfig(ports: [UInt16(port)])
        if let announceInterval { config.announceInterval = .milliseconds(Int64(announceInterval * 1000)) }
        let service: DiscoveryService
        do {
            service = try await DiscoveryService.start(
                identity: identity, config: config, interfaces: interfaceOptions.selection)
        } catch let error as DiscoveryStartError {
            throw error.failure
        }
        display.show(.notice("discovering on \(service.links.map(\.description).joined(separator: ", "))", in: .room))
        let dialer = DirectDialer(credentials: credentials, config: sessionOptions.chatConfig)
        await chat.useDiscovery(service, dialer: dialer)
        return service
    }

    /// Starts a listener for relay announcements, for a chat that does not discover itself
    /// (`--listen`, `--connect`) but is told to use a relay announced on the LAN.
    func relayListener(identity: LocalIdentity) -> @Sendable () async throws -> DiscoveryService {
        let interfaces = interfaceOptions.selection
        return {
            do {
                return try await DiscoveryService.start(
                    identity: identity, config: DiscoveryConfig(ports: []), interfaces: interfaces)
            } catch let error as DiscoveryStartError {
                throw error.failure
            }
        }
    }
}
