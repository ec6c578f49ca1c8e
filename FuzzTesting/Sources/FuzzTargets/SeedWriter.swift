#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file name of seed `index` in a corpus directory (Corpus/TARGET/seed-00 ...).
public func seedFileName(_ index: Int) -> String { index < 10 ? "seed-0\(index)" : "seed-\(index)" }

/// Writes `target`'s seeds into `directory` (which must exist) as seed-00, seed-01 ...: what
/// `FUZZ_WRITE_SEEDS=DIR .build/release/TARGET` does. Returns false when a file cannot be written.
public func writeSeeds(of target: FuzzTarget, to directory: String) -> Bool {
    for (index, seed) in target.seeds().enumerated() {
        guard let file = fopen(directory + "/" + seedFileName(index), "wb") else { return false }
        let written = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        guard written == seed.count else { return false }
    }
    return true
}
