import Foundation
import Sequitur
import SequiturTesting
import SequiturDiagnostics
import Testing

/// Throughput of LlamaModel on the real default model (CPU backend, 2 threads), and the synthetic
/// SmolLM2-shaped model's write time. Opt-in, as timings mean something only in a release build:
///
///     SEQUITUR_BENCH=1 swift test -c release --filter LogProbThroughputTests
///
/// Each measurement also checks a property, so the numbers come from runs known to be right.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SEQUITUR_BENCH"] != nil, "set SEQUITUR_BENCH=1"))
struct LogProbThroughputTests {
    /// Prefill of 512 tokens (asking only the last position), then 128 greedy decode steps at batch 1. The
    /// greedy tokens must be the argmaxes a single scoring pass over the whole sequence finds.
    @Test func prefillAndDecodeTokensPerSecond() throws {
        let text = LogProbFixture.all.first { $0.name == "long_passage" }!.tokenIds
        let prompt = Array(text.prefix(512))
        try SharedDefaultModel.with { model in
            let state = model.makeState()
            let clock = ContinuousClock()
            var last: PositionLogProbs?
            let prefill = try clock.measure {
                last = try model.extend([ExtensionRequest(state: state, tokens: prompt)])[0].last
            }
            var generated: [TokenID] = [], greedyLogProbs: [Float] = []
            let steps = 128
            let decode = try clock.measure {
                for _ in 0..<steps {
                    generated.append(last!.argmax)
                    greedyLogProbs.append(last!.argmaxLogProb)
                    last = try model.extend([ExtensionRequest(state: state, tokens: [generated.last!])])[0].last
                }
            }
            let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
            print(String(format: "llama throughput (cpu, 2 threads): prefill %.1f tokens/s (%d tokens in %.2f s), decode %.1f tokens/s (%d steps in %.2f s), peak RSS %.1f MiB",
                         Double(prompt.count) / seconds(prefill), prompt.count, seconds(prefill),
                         Double(steps) / seconds(decode), steps, seconds(decode), peakResidentMiB()))

            let check = model.makeState()
            let whole = prompt + generated
            let queries: [PositionQuery?] = whole.indices.map { $0 >= prompt.count - 1 && $0 < whole.count - 1 ? .argmax : nil }
            let scored = try model.extend([ExtensionRequest(state: check, tokens: whole, queries: queries)])[0]
            for i in 0..<(steps - 1) {
                let a = scored.answers[prompt.count - 1 + i]!
                #expect(a.argmax == generated[i] && a.argmaxLogProb == greedyLogProbs[i], "step \(i)")
            }
        }
    }

    /// The SmolLM2-shaped random model (for GPU benchmarks) writes in well under 10 s and loads as a llama model.
    @Test func syntheticSmolLM2WritesQuickly() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-synthetic-135m-\(getpid()).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        let start = ContinuousClock.now
        try SyntheticModels.writeLlamaGGUF(.smollm2_135m, seed: 1, to: url)
        let elapsed = ContinuousClock.now - start
        print("synthetic smollm2_135m written in \(elapsed)")
        #expect(elapsed < .seconds(10))
        let file = try GGUFFile(contentsOf: url)
        let real = try GGUFFile(contentsOf: ModelLocator.resolve(nil))
        #expect(file.tensors.map { [$0.name, "\($0.type)", "\($0.dimensions)"] }
                == real.tensors.map { [$0.name, "\($0.type)", "\($0.dimensions)"] }, "same tensor names, types and shapes")
        #expect(try LlamaHyperparameters(file: file) == LlamaHyperparameters(file: real))
    }
}

/// Peak resident set size of this process in MiB (`VmHWM` in /proc/self/status on Linux, `ru_maxrss` elsewhere).
func peakResidentMiB() -> Double {
    #if os(Linux)
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        if let kb = line.split(separator: " ").compactMap({ Double($0) }).first { return kb / 1024 }
    }
    return .nan
    #else
    var usage = rusage()
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576
    #endif
}
