import Testing

@testable import Voice

@Test func linkedLibopusReportsItsVersion() {
    #expect(OpusInfo.versionString.hasPrefix("libopus "))
}

@Test func linkedAudioLibrariesReportTheirVersions() {
    #expect(AudioLibraries.sndfileVersion.hasPrefix("libsndfile-1."))
    #expect(AudioLibraries.opusencVersion.hasPrefix("libopusenc "))
    #expect(AudioLibraries.alsaVersion.hasPrefix("1."))
}
