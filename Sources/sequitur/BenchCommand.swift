import ArgumentParser
import Foundation
import Sequitur
import SequiturDiagnostics

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure scoring, decoding, beam, multiple-choice and exact-search speed, and peak memory.",
        discussion: """
            sequitur bench --threads 2 --output bench.json
            sequitur bench --backend opencl --synthetic smollm2-135m --output gpu.json

            Writes JSON (for comparing runs) and prints a table. Each figure is the median of --repeat runs after \
            a warm-up. Quote ratios measured in one run: shared machines are noisy. --synthetic runs a \
            random-weight model of the named shape (no download needed; same cost as the real one).
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: ArgumentHelp("Where to write the JSON results.", valueName: "file")) var output: String?
    @Option(help: ArgumentHelp("Benchmark a random-weight model of this shape instead.", valueName: "shape")) var synthetic: SyntheticShape?
    @Option(name: .customLong("repeat"), help: ArgumentHelp("Runs per figure (the median is reported).", valueName: "n")) var repeats = 3
    @Option(help: ArgumentHelp("Requests of 512 tokens in the scoring figure (8 on a CPU; issue targets for GPUs use 32).", valueName: "n"))
    var scoringRequests = 8
    @Option(help: ArgumentHelp("Comma-separated subset of the benchmarks (default: all).", valueName: "list"))
    var only: BenchSelection?

    struct Figure: Codable {
        var name: String
        var value: Double
        var unit: String
        var detail: String
    }

    struct Report: Codable {
        var date: String
        var machine: String
        /// The CPU's vector-extension flags that the kernels or the peers can use (from /proc/cpuinfo).
        var cpu_flags: String?
        var cores: Int
        /// The CPU backend's kernel path (`portable`, `avx2`, `avx512`); nil on other backends.
        var cpu_kernels: String?
        var backend: String
        var threads: Int?
        var model: String
        var figures: [Figure]
        var peak_resident_bytes: Int?
    }

    func run() throws {
        var modelPath: String? = nil
        if let synthetic {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-synthetic-\(synthetic.rawValue).gguf")
            if !FileManager.default.fileExists(atPath: url.path) {
                try SyntheticModels.writeLlamaGGUF(synthetic.shape, seed: 1, to: url)
            }
            modelPath = url.path
        }
        let makeRuntime = { try runtime.runtime { c in if let modelPath { c.model = modelPath } } }
        let wanted = only?.sections ?? Set(BenchSection.allCases)
        var figures: [Figure] = []
        var backendName = "", configuration = SequiturConfiguration(), kernels: String? = nil
        var modelFile: GGUFFile? = nil
        for section in BenchSection.allCases where wanted.contains(section) {
            // A fresh model per section, and a fresh peak: each section's memory figure is its own (the KV
            // pool keeps what it grew to for the life of the model).
            let rt = try makeRuntime()
            backendName = rt.backend.name
            kernels = (rt.backend as? CPUBackend)?.kernels.description
            configuration = rt.configuration
            modelFile = rt.file
            let resetWorked = ResourceUsage.resetPeak()
            var result = try section.run(Benchmarks(runtime: rt, repeats: max(1, repeats)), scoringRequests: scoringRequests)
            // The limits section's copy buffers are the benchmark's own, not the model's: no memory figure.
            if resetWorked, section != .limits, let peak = ResourceUsage.peakResidentBytes() {
                result.append(Figure(name: "\(section.rawValue): peak resident memory", value: Double(peak) / 1_048_576,
                                     unit: "MiB", detail: "process peak during this benchmark (weights mapped, KV cache, scratch)"))
            }
            for x in result { FileHandle.standardError.write(Data("  \(Self.row(x))\n".utf8)) }
            figures += result
        }
        if let file = modelFile {
            let achieved = Benchmarks.achieved(figures, workload: try BenchWorkload(file: file))
            for x in achieved { FileHandle.standardError.write(Data("  \(Self.row(x))\n".utf8)) }
            figures += achieved
        }
        let peaks = figures.filter { $0.name.hasSuffix("peak resident memory") }.map { Int($0.value * 1_048_576) }
        let modelPathUsed = try modelPath ?? ModelLocator.resolve(configuration.model).path
        let report = Report(date: ISO8601DateFormatter().string(from: Date()), machine: Self.cpuName(),
                            cpu_flags: Self.cpuFlags(), cores: ProcessInfo.processInfo.activeProcessorCount,
                            cpu_kernels: kernels, backend: backendName,
                            threads: configuration.threads, model: modelPathUsed, figures: figures,
                            peak_resident_bytes: peaks.max() ?? ResourceUsage.peakResidentBytes())
        print("figure".padding(toLength: 40, withPad: " ", startingAt: 0) + "       value  unit")
        for f in figures { print(Self.row(f) + "   (\(f.detail))") }
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(report)
            // Written beside the target and renamed over it, so a reader never sees half a file.
            let tmp = output + ".part"
            try data.write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, output) == 0 else {
                throw CommandError("cannot write \(output): \(String(cString: strerror(errno)))")
            }
            print("written to \(output)")
        }
    }

    static func row(_ f: Figure) -> String {
        f.name.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: " %11.2f  ", f.value) + f.unit
    }

    /// The vector flags that matter here, in /proc/cpuinfo's spelling (nil where there is no /proc/cpuinfo).
    static func cpuFlags() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        let wanted = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl",
                      "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16"]
        return wanted.filter(flags.contains).joined(separator: " ")
    }

    static func cpuName() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
