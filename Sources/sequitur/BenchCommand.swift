import ArgumentParser
import Foundation
import Sequitur
import SequiturTesting

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
    @Option(help: ArgumentHelp("Benchmark a random-weight model of this shape instead: smollm2-135m.", valueName: "shape")) var synthetic: String?
    @Option(help: ArgumentHelp("Runs per figure (the median is reported).", valueName: "n")) var repeat_ = 3
    @Option(help: ArgumentHelp("Comma-separated subset: scoring,decode,decode4,choice,beam,exhaustive.", valueName: "list"))
    var only: String?

    enum CodingKeys: String, CodingKey {
        case runtime, output, synthetic, only
        case repeat_ = "repeat"
    }

    struct Figure: Codable {
        var name: String
        var value: Double
        var unit: String
        var detail: String
    }

    struct Report: Codable {
        var date: String
        var machine: String
        var cores: Int
        var backend: String
        var threads: Int?
        var model: String
        var figures: [Figure]
        var peak_resident_bytes: Int?
    }

    func run() throws {
        var modelPath: String? = nil
        if let synthetic {
            guard synthetic == "smollm2-135m" else { throw ValidationError("--synthetic: unknown shape '\(synthetic)'; valid: smollm2-135m") }
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-synthetic-smollm2-135m.gguf")
            if !FileManager.default.fileExists(atPath: url.path) {
                try SyntheticModels.writeLlamaGGUF(.smollm2_135m, seed: 1, to: url)
            }
            modelPath = url.path
        }
        let rt = try runtime.runtime { c in if let modelPath { c.model = modelPath } }
        let wanted = Set((only ?? "scoring,decode,decode4,choice,beam,exhaustive").split(separator: ",").map(String.init))
        let bench = Benchmarks(runtime: rt, repeats: max(1, repeat_))
        var figures: [Figure] = []
        func add(_ f: [Figure]) {
            for x in f { FileHandle.standardError.write(Data(String(format: "  %-34@ %12.2f %@\n", x.name, x.value, x.unit).utf8)) }
            figures += f
        }
        FileHandle.standardError.write(Data("bench: \(rt.backend.name), model \(modelPath ?? rt.configuration.model ?? ModelLocator.defaultModelFileName)\n".utf8))
        if wanted.contains("scoring") { add(try bench.scoring()) }
        if wanted.contains("decode") { add(try bench.decode()) }
        if wanted.contains("decode4") { add(try bench.decodeBatch4()) }
        if wanted.contains("choice") { add(try bench.multipleChoice()) }
        if wanted.contains("beam") { add(try bench.beam()) }
        if wanted.contains("exhaustive") { add(try bench.exhaustive()) }
        let peak = ResourceUsage.peakResidentBytes()
        let modelFile = try modelPath ?? ModelLocator.resolve(rt.configuration.model).path
        let report = Report(date: ISO8601DateFormatter().string(from: Date()), machine: Self.cpuName(),
                            cores: ProcessInfo.processInfo.activeProcessorCount, backend: rt.backend.name,
                            threads: rt.configuration.threads, model: modelFile,
                            figures: figures, peak_resident_bytes: peak)
        print("figure                              value        unit")
        for f in figures { print(String(format: "%-34@ %12.2f  %@   (%@)", f.name, f.value, f.unit, f.detail)) }
        if let peak { print(String(format: "%-34@ %12.1f  MiB", "peak resident memory", Double(peak) / 1_048_576)) }
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(report)
            let tmp = output + ".part"
            try data.write(to: URL(fileURLWithPath: tmp))
            _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: output), withItemAt: URL(fileURLWithPath: tmp))
            print("written to \(output)")
        }
    }

    static func cpuName() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }
}
