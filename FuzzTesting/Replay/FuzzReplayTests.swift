import Foundation
import Testing

// The fuzz targets run inside parley's own test suite, without libFuzzer: every input of the
// seed corpora and of the regressions (inputs that once broke something) is replayed through
// its target with all its invariants, then a bounded number of mutations of the seeds. The real
// fuzzing (libFuzzer, coverage-guided, millions of inputs) runs from FuzzTesting/run.sh: building
// the fuzzers with the sanitizers takes longer than the whole suite may.
//
// After a change of an encoding, `FuzzTesting/run.sh --write-seeds` (or PARLEY_WRITE_FUZZ_SEEDS=1
// swift test --filter FuzzReplayTests) rewrites Corpus/ from the seeds the targets define.

@Suite struct FuzzReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    static func files(_ directory: String, _ target: String) -> [URL] {
        let dir = root.appendingPathComponent(directory).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test("the committed seed corpus is what the targets define", arguments: fuzzTargets.map(\.name))
    func seedsAreCurrent(_ name: String) throws {
        let target = try #require(fuzzTargets.first { $0.name == name })
        let seeds = target.seeds()
        #expect(!seeds.isEmpty)
        let dir = Self.root.appendingPathComponent("Corpus").appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PARLEY_WRITE_FUZZ_SEEDS"] == "1" {
            try? FileManager.default.removeItem(at: dir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            #expect(writeSeeds(of: target, to: dir.path))
        }
        let onDisk = Self.files("Corpus", name)
        #expect(onDisk.map(\.lastPathComponent) == seeds.indices.map(seedFileName))
        for (index, seed) in seeds.enumerated() {
            let bytes = try? Data(contentsOf: dir.appendingPathComponent(seedFileName(index)))
            let current = bytes.map { [UInt8]($0) } == seed
            #expect(current, "\(name)/\(seedFileName(index)) is stale: FuzzTesting/run.sh --write-seeds")
        }
    }

    @Test("corpus and regression inputs pass every invariant", arguments: fuzzTargets.map(\.name))
    func replay(_ name: String) throws {
        let target = try #require(fuzzTargets.first { $0.name == name })
        let inputs = Self.files("Corpus", name) + Self.files("Regressions", name)
        #expect(!inputs.isEmpty)
        for file in inputs {
            target.run([UInt8](try Data(contentsOf: file)))
        }
    }

    /// Mutations of the seeds (bit flips, byte changes, cuts, insertions), from a fixed seed, so
    /// that a failure here replays.
    @Test("mutated seeds pass every invariant", arguments: fuzzTargets.map(\.name))
    func mutations(_ name: String) throws {
        let target = try #require(fuzzTargets.first { $0.name == name })
        let seeds = target.seeds()
        var random = SeededRandom(seed: 0x5EED)
        for _ in 0..<FuzzReplayTests.mutationsPerTarget {
            var input = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + random.next() % 4) {
                let position = input.isEmpty ? 0 : Int(random.next() % UInt64(input.count))
                switch random.next() % 4 {
                case 0 where !input.isEmpty: input[position] ^= UInt8(1 << (random.next() % 8))
                case 1 where !input.isEmpty: input[position] = UInt8(truncatingIfNeeded: random.next())
                case 2: input.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                default: input = Array(input.prefix(position))
                }
            }
            target.run(input)
        }
    }

    static let mutationsPerTarget = 300
}
