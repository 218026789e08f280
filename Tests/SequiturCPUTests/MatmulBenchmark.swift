import Foundation
import SequiturCore
import SequiturCPU
import Testing

/// Prints matmul throughput on the default model's shapes. Timings are printed, never asserted; run with
/// `SEQUITUR_BENCH=1 swift test -c release --filter MatmulBenchmark` (a debug build measures nothing useful).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SEQUITUR_BENCH"] != nil))
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
        var g = SplitMix64(seed: 1)
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

    /// SmolLM2 attention (9 heads, 3 kv heads of 64) over one 512-token sequence: a whole prefill, then one
    /// decode token at position 512.
    @Test func smolLMAttention() throws {
        let threads = Int(ProcessInfo.processInfo.environment["SEQUITUR_BENCH_THREADS"] ?? "2") ?? 2
        let backend = CPUBackend(threads: threads)
        var g = SplitMix64(seed: 3)
        let heads = 9, kvHeads = 3, hd = 64, blockSize = 16, tokens = 512
        let cache = try backend.makeKVCache(layers: 1, blockSize: blockSize, blockCapacity: 40, kvDimension: kvHeads * hd)
        let kv = try backend.makeActivations(rows: tokens + 1, columns: kvHeads * hd, values: g.floats((tokens + 1) * kvHeads * hd))
        try backend.storeKV(keys: kv, values: kv, layer: 0, slots: (0...Int32(tokens)).map { $0 }, cache: cache)
        let table = (0..<Int32(40)).map { $0 }
        for (label, positions) in [("prefill 512", Array(0..<Int32(tokens))), ("decode at 512", [Int32(tokens)])] {
            let batch = AttentionBatch(tokenSequence: positions.map { _ in 0 }, tokenPosition: positions, tokenSlot: positions,
                                       blockTables: table, blockTableOffsets: [0, 40], blockSize: blockSize)
            let q = try backend.makeActivations(rows: positions.count, columns: heads * hd, values: g.floats(positions.count * heads * hd))
            let out = try backend.makeActivations(rows: positions.count, columns: heads * hd)
            let seconds = try Self.time(repeats: 5) {
                try backend.attention(queries: q, cache: cache, layer: 0, batch: batch, heads: heads, kvHeads: kvHeads,
                                      headDimension: hd, scale: 0.125, into: out)
            }
            let flops = positions.reduce(0.0) { $0 + 4 * Double(heads * hd) * Double($1 + 1) }
            print(String(format: "attention %@ threads=%d: %.3f ms, %.1f GFLOP/s", label, threads, seconds * 1e3, flops / seconds / 1e9))
        }
    }
}
