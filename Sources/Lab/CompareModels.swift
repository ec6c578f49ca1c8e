/// A lab node as the orchestrator knows it once it has started and listens.
struct LabNodeHandle: Sendable {
    let index: Int
    let process: LabProcess
    let peerID: String
    let host: String
    let port: Int
}

/// What a model runs besides the peers (the relay), started before them and stopped after.
protocol ModelInfrastructure: Sendable {
    /// The load it carried over the workload, given its state before (`baseline`).
    func load(since baseline: NodeLoad?) async -> NodeLoad?
    /// Kills it (the "relay killed" fault).
    func kill()
    func stop() async
}

/// One way of connecting the same peers: every session direct, or every session through a relay.
protocol CompareModel: Sendable {
    var kind: ModelKind { get }
    /// Why this build cannot run the model, or nil when it can.
    var unavailableReason: String? { get }
    /// Starts the model's infrastructure on the lab host `hostIndex` for a run of `peers` peers,
    /// if it has any.
    func start(runner: LabRunner, hostIndex: Int, peers: Int) async throws(LabFailure) -> (any ModelInfrastructure)?
    /// How node `index` reaches the others; nodes before it are connected by it, those after
    /// connect to it (each pair once).
    func path(for index: Int, nodes: [LabNodeHandle], infrastructure: (any ModelInfrastructure)?) -> LabPath
    /// Sessions each of `count` nodes has once all are up.
    func sessionsPerNode(_ count: Int) -> Int
}

/// Peer-to-peer: a full mesh of direct sessions.
struct PeerToPeerModel: CompareModel {
    var kind: ModelKind { .peerToPeer }
    var unavailableReason: String? { nil }

    func start(runner: LabRunner, hostIndex: Int, peers: Int) async throws(LabFailure) -> (any ModelInfrastructure)? {
        nil
    }

    func path(for index: Int, nodes: [LabNodeHandle], infrastructure: (any ModelInfrastructure)?) -> LabPath {
        .direct(nodes.prefix(index).map { LabPeerAddress(peerID: $0.peerID, host: $0.host, port: $0.port) })
    }

    func sessionsPerNode(_ count: Int) -> Int { count - 1 }
}

/// Client/server: every session through one relay, a real `parley relay` process started on
/// the lab host after the peers (see `RelayInfrastructure`); each node logs in to it with its
/// own identity, pinned to the relay's fingerprint, and reaches every other node through it.
struct ClientServerModel: CompareModel {
    var kind: ModelKind { .clientServer }
    var unavailableReason: String? { nil }

    func start(runner: LabRunner, hostIndex: Int, peers: Int) async throws(LabFailure) -> (any ModelInfrastructure)? {
        try await RelayInfrastructure.start(runner: runner, hostIndex: hostIndex, peers: peers)
    }

    func path(for index: Int, nodes: [LabNodeHandle], infrastructure: (any ModelInfrastructure)?) -> LabPath {
        // Without a relay the path names none, and the node says it cannot connect.
        let relay = infrastructure as? RelayInfrastructure
        return .relay(
            host: relay?.host ?? "", port: relay?.port ?? 0, relayFingerprint: relay?.fingerprint,
            peers: nodes.prefix(index).map(\.peerID))
    }

    func sessionsPerNode(_ count: Int) -> Int { count - 1 }
}
