import ChatModel
import Foundation
import Testing

@testable import TUI

/// One presence vocabulary: a peer heard on the LAN without a session is online and counted so.
@Suite struct PresenceTests {
    typealias F = ScreenFixtures

    @Test func aDiscoveredPeerIsOnlineAndCounted() {
        var model = F.model()
        var carol = F.bob
        carol.id = "peer-carol"
        carol.nickname = "carol"
        carol.path = .online
        carol.inCall = false
        var dave = carol
        dave.id = "peer-dave"
        dave.nickname = "dave"
        dave.path = .offline
        model.setPeers([F.alice, F.bob, carol, dave])
        let screen = F.screen(model, rows: 30, columns: 100).frame.textLines
        #expect(screen[0].contains("every peer on the network: 3 online"), "\(screen[0])")
        #expect(screen.contains { $0.contains("online") && $0.contains(carol.shortFingerprint) })
        #expect(screen.contains { $0.contains("offline") && $0.contains(dave.shortFingerprint) })
        #expect(!screen.contains { $0.contains(" off ") || $0.hasSuffix(" off") })
        #expect(!PeerRow.Path.online.isConnected && PeerRow.Path.relay.isConnected)
    }
}
