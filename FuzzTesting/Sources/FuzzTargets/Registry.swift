/// Every target, by the name of its fuzzer executable and corpus directory.
public struct FuzzTarget: Sendable {
    public let name: String
    public let run: @Sendable ([UInt8]) -> Void
    public let seeds: @Sendable () -> [[UInt8]]
}

public let fuzzTargets: [FuzzTarget] = [
    FuzzTarget(name: "LengthPrefixFuzzer", run: LengthPrefixTarget.run, seeds: LengthPrefixTarget.seeds),
    FuzzTarget(name: "FrameCodecFuzzer", run: FrameCodecTarget.run, seeds: FrameCodecTarget.seeds),
    FuzzTarget(name: "HandshakePayloadFuzzer", run: HandshakePayloadTarget.run, seeds: HandshakePayloadTarget.seeds),
    FuzzTarget(name: "DiscoveryPacketFuzzer", run: DiscoveryPacketTarget.run, seeds: DiscoveryPacketTarget.seeds),
    FuzzTarget(name: "RelayCodecFuzzer", run: RelayCodecTarget.run, seeds: RelayCodecTarget.seeds),
    FuzzTarget(name: "OfflineSealFuzzer", run: OfflineSealTarget.run, seeds: OfflineSealTarget.seeds),
    FuzzTarget(name: "SessionMachineFuzzer", run: SessionMachineTarget.run, seeds: SessionMachineTarget.seeds),
    FuzzTarget(name: "DiscoveryMachineFuzzer", run: DiscoveryMachineTarget.run, seeds: DiscoveryMachineTarget.seeds),
    FuzzTarget(name: "CallMachineFuzzer", run: CallMachineTarget.run, seeds: CallMachineTarget.seeds),
    FuzzTarget(name: "RelayLinkMachineFuzzer", run: RelayLinkMachineTarget.run, seeds: RelayLinkMachineTarget.seeds),
    FuzzTarget(name: "RelayCoreFuzzer", run: RelayCoreTarget.run, seeds: RelayCoreTarget.seeds),
]
