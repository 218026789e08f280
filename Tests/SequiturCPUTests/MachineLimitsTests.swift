import CSequiturKernels
import SequiturCore
import SequiturCPU
import Testing

/// The kernels behind `sequitur bench`'s machine limits do the work they are timed for, on every path.
@Suite struct MachineLimitsTests {
    @Test(arguments: CPUKernelPath.supported)
    func copyCopiesEveryElement(path: CPUKernelPath) {
        for count in [0, 1, 63, 64, 65, 1000] {
            var g = SplitMix64(seed: UInt64(count))
            let source = g.floats(count)
            var destination = [Float](repeating: .nan, count: count + 1)
            source.withUnsafeBufferPointer { s in
                destination.withUnsafeMutableBufferPointer { d in
                    sq_limits_copy(s.baseAddress ?? UnsafePointer(d.baseAddress!), d.baseAddress!, count, Int32(path.rawValue))
                }
            }
            #expect(Array(destination.prefix(count)) == source, "\(path), \(count) elements")
            #expect(destination[count].isNaN, "\(path) wrote past \(count) elements")
        }
    }

    /// The FMA loop counts its operations (2 per lane per chain per step) and its result is the chains' value:
    /// each chain a ← a·x + y from a = seed + c converges to y / (1 − x), so the sum is finite and close to
    /// what the scalar recurrence gives.
    @Test(arguments: CPUKernelPath.supported)
    func fmaLoopCountsItsOperations(path: CPUKernelPath) {
        let lanes = [CPUKernelPath.portable: 1, .avx2: 8, .avx512: 16][path]!
        var flops = 0
        let result = sq_limits_fma(1000, 2, Int32(path.rawValue), &flops)
        #expect(flops == 2 * lanes * 12 * 1000)
        var want: Double = 0
        for c in 0..<12 {
            var a = Float(2 + c)
            for _ in 0..<1000 { a = Float(1e-7).addingProduct(a, 0.999999) } // fmaf(a, x, y)
            want += Double(a) * Double(lanes)
        }
        #expect(result.isFinite)
        #expect(abs(Double(result) - want) <= 1e-3 * abs(want))
    }

    @Test func measuredLimitsArePositiveAndFinite() {
        let limits = CPUMachineLimits.measure(on: CPUBackend(threads: 2), copyBytes: 1 << 20, repeats: 1)
        #expect(limits.copyBytesPerSecond.isFinite && limits.copyBytesPerSecond > 0)
        #expect(limits.fmaFlopsPerSecond.isFinite && limits.fmaFlopsPerSecond > 0)
    }
}
