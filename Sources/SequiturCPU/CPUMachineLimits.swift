import CSequiturKernels
import Foundation

/// The machine's ceilings as the CPU backend sees them, on its kernel path and its threads: what a STREAM-style
/// copy moves per second (the bound of decoding, which streams every weight once per token) and what
/// independent FMAs compute per second (the bound of scoring, which is arithmetic). `sequitur bench` sets its
/// decode and scoring figures beside them.
public struct CPUMachineLimits: Sendable, Equatable {
    /// Bytes read plus bytes written per second by the copy (STREAM's convention), the best of the runs.
    public var copyBytesPerSecond: Double
    /// Single-precision floating-point operations per second (an FMA is two), the best of the runs.
    public var fmaFlopsPerSecond: Double

    /// Measures both on `backend`'s path and threads: the copy over two buffers of `copyBytes` each (far past
    /// any cache), the FMA loop for about 40 ms per thread, each the best of `repeats` runs and a warm-up.
    public static func measure(on backend: CPUBackend, copyBytes: Int = 128 << 20, repeats: Int = 5) -> CPUMachineLimits {
        let simd = backend.simdFlag, threads = backend.threads
        let count = max(1024, copyBytes / MemoryLayout<Float>.stride)
        let source = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let destination = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { source.deallocate(); destination.deallocate() }
        // Written (not zero pages) before timing, so the copy reads real memory.
        for i in 0..<count { source[i] = Float(i & 1023) }
        destination.initialize(repeating: 1, count: count)
        var bestCopy = Double.infinity
        for _ in 0...max(1, repeats) {
            let seconds = timed {
                backend.parallelRanges(count: count, chunks: threads, granularity: 1024) { _, range in
                    sq_limits_copy(source + range.lowerBound, destination + range.lowerBound, range.count, simd)
                }
            }
            bestCopy = min(bestCopy, seconds)
        }
        let iterations = 20_000_000
        var bestFlops = 0.0
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: max(1, threads))
        defer { sink.deallocate() }
        for _ in 0...max(1, repeats) {
            let flops = UnsafeMutablePointer<Int>.allocate(capacity: max(1, threads))
            defer { flops.deallocate() }
            flops.initialize(repeating: 0, count: max(1, threads))
            let seconds = timed {
                backend.parallelRanges(count: threads, chunks: threads) { chunk, _ in
                    sink[chunk] = sq_limits_fma(iterations, Float(chunk), simd, flops + chunk)
                }
            }
            let total = (0..<max(1, threads)).reduce(0) { $0 + flops[$1] }
            bestFlops = max(bestFlops, Double(total) / seconds)
        }
        return CPUMachineLimits(copyBytesPerSecond: Double(2 * count * MemoryLayout<Float>.stride) / bestCopy,
                                fmaFlopsPerSecond: bestFlops)
    }

    private static func timed(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
