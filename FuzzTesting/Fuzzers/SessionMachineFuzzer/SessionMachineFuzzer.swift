import CFuzzerDriver
import FuzzTargets

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer with `SessionMachineTarget` (FuzzTargets) as the function under test. With FUZZ_WRITE_SEEDS=DIR
/// in the environment it writes the target's seeds into DIR instead (run.sh --write-seeds).
@main
enum Main {
    static func main() {
        if let directory = getenv("FUZZ_WRITE_SEEDS") {
            let target = fuzzTargets.first { $0.name == "SessionMachineFuzzer" }!
            exit(writeSeeds(of: target, to: String(cString: directory)) ? 0 : 1)
        }
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(
            LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                SessionMachineTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
                return 0
            })
    }
}
