import Testing
import Wire

@testable import ParleyApp

/// `--max-clients` stays `RelayLimits.descriptorHeadroom` below the soft descriptor limit: the
/// finding was 1,024 clients allowed under a limit of 1,024 descriptors, so `relay_full` never
/// fired and `/metrics` stopped answering.
@Suite struct RelayClientCapTests {
    @Test func theClientCapLeavesDescriptorHeadroom() {
        let headroom = RelayLimits.descriptorHeadroom
        #expect(RelayCommand.clientCap(1024, descriptors: (1024, 1024)) == 1024 - headroom)
        #expect(RelayCommand.clientCap(1024 - headroom, descriptors: (1024, 1024)) == 1024 - headroom)
        #expect(RelayCommand.clientCap(1024, descriptors: (65536, 65536)) == 1024)
        #expect(RelayCommand.clientCap(10, descriptors: (8, 8)) == 1)
    }
}
