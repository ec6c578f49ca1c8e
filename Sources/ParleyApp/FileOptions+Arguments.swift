import ArgumentParser
import ChatClient

extension FileAcceptPolicy: ExpressibleByArgument {}

/// `parley chat`'s file options.
struct ChatFileOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where received files go (default $XDG_DOWNLOAD_DIR/parley, else ~/Downloads/parley).", valueName: "dir"))
    var downloads: String?

    @Option(
        name: .customLong("accept-files-from"),
        help: ArgumentHelp(
            "Take file offers without asking: from nobody (ask, the default), peers marked verified (verified), or anyone (any).",
            valueName: "ask|verified|any"))
    var acceptFrom: FileAcceptPolicy?

    @Option(
        name: .customLong("max-auto-accept"),
        help: ArgumentHelp("Largest file taken without asking, in MB.", valueName: "MB"))
    var maxAutoAcceptMB: UInt64 = 4096

    func validate() throws {
        guard maxAutoAcceptMB <= 1 << 20 else { throw ValidationError("--max-auto-accept is at most 1048576 MB (1 TiB)") }
        if let downloads, !downloads.hasPrefix("/") {
            throw ValidationError("--downloads needs an absolute path")
        }
    }

    var options: FileOptions {
        FileOptions(
            downloads: downloads ?? FileOptions.defaultDownloads(), acceptFrom: acceptFrom ?? .ask,
            maxAutoAcceptSize: maxAutoAcceptMB * 1_000_000)
    }
}
