import Foundation
import RunSupport

@testable import Voice

/// Signals and measurements for the audio tests: real sample arithmetic, no mocks.
enum Signal {
    /// A sine of `frequency` Hz at `amplitude` (full scale 1), `seconds` long.
    static func sine(frequency: Double, sampleRate: Int, seconds: Double, amplitude: Double = 0.5, phase: Double = 0)
        -> [Int16]
    {
        let count = Int((seconds * Double(sampleRate)).rounded())
        return (0..<count).map { index in
            let value = amplitude * sin(2 * .pi * frequency * Double(index) / Double(sampleRate) + phase)
            return Int16((value * 32767).rounded())
        }
    }

    /// Uniform white noise at `amplitude` (full scale 1), from a fixed-seed generator.
    static func noise(count: Int, amplitude: Double, seed: UInt64 = 0x5eed) -> [Int16] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Double(state >> 11) / Double(1 << 53) * 2 - 1
            return Int16((unit * amplitude * 32767).rounded())
        }
    }

    /// Frequency in Hz from the rising zero crossings, interpolated between samples.
    static func frequency(of samples: [Int16], sampleRate: Int) -> Double {
        var crossings: [Double] = []
        for index in 1..<samples.count where samples[index - 1] < 0 && samples[index] >= 0 {
            let before = Double(samples[index - 1])
            let after = Double(samples[index])
            crossings.append(Double(index - 1) + (-before) / (after - before))
        }
        guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
        return Double(crossings.count - 1) / ((last - first) / Double(sampleRate))
    }

    /// Mean energy per sample.
    static func energy<C: Collection>(_ samples: C) -> Double where C.Element == Int16 {
        guard !samples.isEmpty else { return 0 }
        return samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)
    }

    /// Power of `frequency` in the samples (Goertzel), normalised per sample.
    static func goertzel(_ samples: [Int16], frequency: Double, sampleRate: Int) -> Double {
        let coefficient = 2 * cos(2 * .pi * frequency / Double(sampleRate))
        var (previous, beforePrevious) = (0.0, 0.0)
        for sample in samples {
            let current = Double(sample) + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        return power / Double(samples.count * samples.count)
    }

    /// Cuts samples into frames of `size`, zero-padding the last one.
    static func frames(_ samples: [Int16], size: Int = 960) -> [[Int16]] {
        stride(from: 0, to: samples.count, by: size).map { start in
            var frame = Array(samples[start..<min(start + size, samples.count)])
            frame += [Int16](repeating: 0, count: size - frame.count)
            return frame
        }
    }
}

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "parley-audio-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes interleaved samples to a WAV or FLAC file.
func writeAudioFile(_ path: String, _ samples: [Int16], sampleRate: Int, channels: Int = 1) throws {
    let writer = try AudioFileWriter(path: path, sampleRate: sampleRate, channels: channels)
    try writer.write(samples)
    try writer.close()
}

/// Runs a program, returning its exit status and standard output and error together.
@discardableResult
func runTool(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = ChildProcess()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// True when `tool` is on PATH.
func toolExists(_ tool: String) -> Bool {
    (try? runTool(["sh", "-c", "command -v \(tool)"]).status) == 0
}

/// The checked-in test audio (Assets/audio).
enum Assets {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Assets/audio")
    static var speech: String { directory.appendingPathComponent("speech.wav").path }
    static var tone: String { directory.appendingPathComponent("tone-1khz.wav").path }

    /// The speech sample's frames, 48 kHz mono 20 ms.
    static func speechFrames() throws -> [[Int16]] { try AudioFileReader(path: speech).readAllFrames() }
}
