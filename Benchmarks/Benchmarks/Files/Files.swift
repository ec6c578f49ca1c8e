// parley's file benchmarks: what a file transfer does to the texts on the same session.
//
// A text's round trip (sent, acknowledged by the peer) on an idle loopback session, and on one
// that carries a file transfer in the same direction at full speed the whole time: file data
// goes out only while the connection has room (the channel's watermark, TCP_NOTSENT_LOWAT), so a
// text should wait behind a few hundred KiB at most, not behind the file. Issue 16's target: the
// p99 during a transfer within 2x the idle p99. Every socket is on 127.0.0.1.

import Benchmark
import FileTransfer
import Files
import Foundation
import Net
import Session
import Wire

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock], timeUnits: .microseconds, warmupIterations: 50, maxDuration: .seconds(6),
        maxIterations: 3_000)

    Benchmark("Text round trip on an idle session (files baseline)", configuration: configuration) { benchmark, rig in
        await rig.measure(benchmark)
    } setup: {
        try await FileRig.open(transferring: false)
    } teardown: {
        await FileRig.closeAll()
    }

    Benchmark("Text round trip on a session carrying a file", configuration: configuration) { benchmark, rig in
        await rig.measure(benchmark)
    } setup: {
        try await FileRig.open(transferring: true)
    } teardown: {
        await FileRig.closeAll()
    }
}
