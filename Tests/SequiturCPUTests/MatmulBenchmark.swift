import Foundation
import SequiturCore
import SequiturCPU
import Testing

/// Prints matmul throughput on the default model's shapes. Timings are printed, never asserted; run with
/// `SEQUITUR_BENCH=1 swift test -c release --filter MatmulBenchmark` (a debug build measures nothing useful).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SEQUITUR_BENCH"] != nil))
struct MatmulBenchmark {
    /// Best-of-`repeats` seconds for one call of `body`.
    static func time(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()  // warm caches and scratch
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    @Test func smolLMShapes() throws {
        let threads = Int(ProcessInfo.processInfo.environment["SEQUITUR_BENCH_THREADS"] ?? "2") ?? 2
        let backend = CPUBackend(threads: threads)
        var g = SeededGenerator(seed: 1)
        let shapes: [(String, TensorType, Int, Int)] = [
            ("attn_q", .q4_1, 576, 576), ("attn_k", .q4_1, 192, 576), ("ffn_up", .q4_1, 1536, 576),
            ("ffn_down", .q4_1, 576, 1536), ("output", .q8_0, 49_152, 576),
        ]
        for (label, type, m, k) in shapes {
            let test = TestWeight(type: type, rows: m, columns: k, seed: 2)
            let weight = try backend.upload(test.weight)
            let weightBytes = Double(test.weight.rowBytes * m)
            for n in [1, 4, 512] where !(label == "output" && n == 512) {
                let x = try backend.makeActivations(rows: n, columns: k, values: g.floats(n * k))
                let out = try backend.makeActivations(rows: n, columns: m)
                let seconds = try Self.time(repeats: n == 512 ? 5 : 50) { try backend.matmul(x, weight: weight, into: out) }
                let gflops = 2 * Double(n * m * k) / seconds / 1e9
                print(String(format: "matmul %@ %@ %d×%d n=%d threads=%d: %.3f ms, %.1f GFLOP/s, %.1f GB/s of weights",
                             label, type.description, m, k, n, threads, seconds * 1e3, gflops, weightBytes / seconds / 1e9))
            }
        }
    }
}
