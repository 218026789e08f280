import SequiturCore
import SequiturCPU
import Testing

/// `out = x · Wᵀ` against a double-precision reference on the dequantised weights.
@Suite struct MatmulTests {
    /// Reference: plain triple loop in double.
    static func reference(x: [Float], n: Int, k: Int, w: [Float], m: Int) -> (values: [Double], magnitudes: [Double]) {
        var values = [Double](repeating: 0, count: n * m), magnitudes = values
        for r in 0..<n {
            for j in 0..<m {
                var sum = 0.0, magnitude = 0.0
                for i in 0..<k {
                    let p = Double(x[r * k + i]) * Double(w[j * k + i])
                    sum += p
                    magnitude += abs(p)
                }
                values[r * m + j] = sum
                magnitudes[r * m + j] = magnitude
            }
        }
        return (values, magnitudes)
    }

    static func run(_ backend: CPUBackend, x: [Float], n: Int, weight: DeviceTensor) throws -> [Float] {
        let k = weight.columns, m = weight.rows
        let xt = try backend.makeActivations(rows: n, columns: k, values: x)
        let out = try poisoned(backend, rows: n, columns: m)
        try backend.matmul(xt, weight: weight, into: out)
        return try backend.read(out)
    }

    static let floatShapes = [(n: 1, k: 1, m: 7), (n: 3, k: 7, m: 33), (n: 17, k: 33, m: 5), (n: 5, k: 577, m: 37), (n: 2, k: 1537, m: 9)]
    static let blockShapes = [(n: 1, k: 32, m: 7), (n: 7, k: 96, m: 33), (n: 33, k: 576, m: 13), (n: 3, k: 1536, m: 40), (n: 300, k: 64, m: 7)]

    static let superBlockShapes = [(n: 1, k: 256, m: 9), (n: 6, k: 768, m: 7), (n: 19, k: 512, m: 4)]

    @Test(arguments: [TensorType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
    func matchesReference(type: TensorType) throws {
        let shapes = type.blockSize == 1 ? Self.floatShapes : type.blockSize == 32 ? Self.blockShapes : Self.superBlockShapes
        for (index, shape) in shapes.enumerated() {
            var g = SplitMix64(seed: 100 + UInt64(index))
            let w = TestWeight(type: type, rows: shape.m, columns: shape.k, seed: 200 + UInt64(index))
            let x = g.floats(shape.n * shape.k)
            for kernels in CPUKernelPath.supported {
                let backend = CPUBackend(threads: 2, kernels: kernels)
                let got = try Self.run(backend, x: x, n: shape.n, weight: try backend.upload(w.weight))
                let (want, magnitude) = Self.reference(x: x, n: shape.n, k: shape.k, w: w.values, m: shape.m)
                // Each lane sums ⌈k/8⌉ fused products, then 3 adds join the lanes: the float32 error is at most
                // (⌈k/8⌉ + 3)·u·Σ|xᵢwᵢ| (u = 2⁻²⁴); we allow twice that.
                let bound = 2 * Double((shape.k + 7) / 8 + 3) * unitRoundoff
                for i in 0..<got.count {
                    #expect(abs(Double(got[i]) - want[i]) <= bound * magnitude[i] + 1e-30,
                            "\(type) n=\(shape.n) k=\(shape.k) m=\(shape.m) kernels=\(kernels) element \(i): \(got[i]) vs \(want[i])")
                }
            }
        }
    }

    /// A row's result is bitwise the same in a batch of 1 to 10, 16 or 64 rows, on 1, 2 or 3 threads, and on
    /// every kernel path the machine has (portable, AVX2, AVX-512): the decode, small-batch and prefill regimes
    /// share one reduction order. (A machine without AVX-512 checks the other two; CI machines vary.)
    @Test(arguments: [(TensorType.q4_1, 576), (.q8_0, 96), (.f32, 33), (.f16, 577), (.bf16, 7), (.q4_0, 1536), (.q4_K, 512), (.q6_K, 256), (.q5_0, 608), (.q5_1, 96), (.q5_K, 768), (.q2_K, 512), (.q3_K, 768)])
    func batchAndThreadInvariance(type: TensorType, k: Int) throws {
        var g = SplitMix64(seed: 7)
        let m = 41
        let w = TestWeight(type: type, rows: m, columns: k, seed: 8)
        let x = g.floats(64 * k)
        let reference = CPUBackend(threads: 1)
        let full = try Self.run(reference, x: x, n: 64, weight: try reference.upload(w.weight))
        for threads in [1, 2, 3] {
            for kernels in CPUKernelPath.supported {
                let backend = CPUBackend(threads: threads, kernels: kernels)
                let weight = try backend.upload(w.weight)
                for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 64] {
                    let got = try Self.run(backend, x: Array(x[0..<n * k]), n: n, weight: weight)
                    #expect(bitwiseEqual(got, Array(full[0..<n * m])), "\(type) k=\(k) n=\(n) threads=\(threads) kernels=\(kernels)")
                }
                // A row in the middle of a batch equals the same row alone.
                let alone = try Self.run(backend, x: Array(x[37 * k..<38 * k]), n: 1, weight: weight)
                #expect(bitwiseEqual(alone, Array(full[37 * m..<38 * m])), "\(type) row 37 alone, threads=\(threads) kernels=\(kernels)")
            }
        }
    }

    @Test func rejectsBadShapesAndTypes() throws {
        let backend = CPUBackend(threads: 1)
        let w = try backend.upload(TestWeight(type: .q4_1, rows: 5, columns: 64, seed: 1).weight)
        let x = try backend.makeActivations(rows: 2, columns: 32)
        let out = try backend.makeActivations(rows: 2, columns: 5)
        #expect(throws: BackendError.self) { try backend.matmul(x, weight: w, into: out) }
        let bytes = [UInt8](repeating: 1, count: 22 * 4)
        // Q8_K is a type GGUF defines (llama.cpp's activation format) that the kernels do not multiply: refused by
        // name, never misread.
        let q8k = WeightTensor(name: "blk.0.q8k", type: .q8_K, rows: 1, columns: 256, copying: [UInt8](repeating: 1, count: 292))
        #expect(throws: BackendError.unsupportedWeightType(backend: "cpu", tensor: "blk.0.q8k", type: "Q8_K")) {
            try backend.upload(q8k)
        }
        let short = WeightTensor(name: "short", type: .q8_0, rows: 4, columns: 32, copying: bytes)
        #expect(throws: BackendError.self) { try backend.upload(short) }  // needs 136 bytes, has 88
    }
}
