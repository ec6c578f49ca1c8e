import Testing

@testable import Voice

@Test func linkedLibopusReportsItsVersion() {
    #expect(OpusInfo.versionString.hasPrefix("libopus "))
}
