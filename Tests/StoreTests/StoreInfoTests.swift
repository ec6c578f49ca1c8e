import Testing

@testable import Store

@Suite struct StoreInfoTests {
    @Test func linksSQLite3() throws {
        let parts = try StoreInfo.sqliteVersion().split(separator: ".")
        #expect(parts.first == "3")
        #expect(parts.count >= 2)
    }
}
