import Net
import Testing

@testable import ChatClient

/// Which paths `parley send` tries, from its options.
@Suite struct SendPlanTests {
    static let address = Endpoint(host: "127.0.0.1", port: 7000)
    static let bob = "2GOA4-UPMAE-S4G3A-AZQK3-ORIFX"

    static func plan(_ to: String, relay: Bool, path: SessionPath?, expect: String? = nil) -> Result<
        SendPlan, SendPlan.Problem
    > {
        Result { () throws(SendPlan.Problem) in try SendPlan.make(to: to, relay: relay, path: path, expect: expect) }
    }

    @Test func autoWithAnAddressRacesTheRelayToTheExpectedPeer() {
        #expect(
            Self.plan("127.0.0.1:7000", relay: true, path: .auto, expect: Self.bob)
                == .success(.race(Self.address, name: Self.bob)))
        #expect(
            Self.plan("127.0.0.1:7000", relay: true, path: nil, expect: Self.bob)
                == .success(.race(Self.address, name: Self.bob)))
    }

    /// Issue 13: `--path auto --relay R --to ADDR` went direct only and, blackholed, timed out
    /// without trying the relay. Without a peer to name on the relay it is refused, saying why.
    @Test func autoWithAnAddressAndNoPeerToNameIsRefusedNotSilentlyDirect() throws {
        for path in [SessionPath.auto, nil] {
            guard case .failure(let problem) = Self.plan("127.0.0.1:7000", relay: true, path: path) else {
                Issue.record("accepted with path \(String(describing: path))")
                continue
            }
            #expect(problem.message.contains("needs --expect"))
        }
        #expect(Self.plan("127.0.0.1:7000", relay: true, path: .direct) == .success(.direct(Self.address)))
    }

    @Test func theOtherCombinations() {
        #expect(Self.plan("127.0.0.1:7000", relay: false, path: nil) == .success(.direct(Self.address)))
        #expect(Self.plan("bob", relay: true, path: nil) == .success(.relay(name: "bob")))
        #expect(Self.plan("127.0.0.1:7000", relay: true, path: .relay, expect: "bob") == .success(.relay(name: "bob")))
        #expect((try? Self.plan("bob", relay: false, path: nil).get()) == nil)
        #expect((try? Self.plan("127.0.0.1:7000", relay: false, path: .relay).get()) == nil)
        #expect((try? Self.plan("bob", relay: true, path: .direct).get()) == nil)
        #expect((try? Self.plan("127.0.0.1:7000", relay: true, path: .relay).get()) == nil)
    }
}
