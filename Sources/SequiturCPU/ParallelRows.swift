import CSequiturKernels

extension CPUBackend {
    /// Splits `count` items into at most `chunks` contiguous ranges of nearly equal size (each a multiple of
    /// `granularity` except the last) and runs `body(chunkIndex, range)` for each, on the backend's worker pool
    /// when there is more than one.
    ///
    /// Contiguous ranges keep each thread's output rows apart, so threads do not share cache lines except at
    /// range edges. `body` is not `@Sendable`: callers pass raw pointers and promise that chunks write disjoint
    /// memory, which is what every op here does.
    func parallelRanges(count: Int, chunks: Int, granularity: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let units = (count + granularity - 1) / granularity
        let chunkCount = max(1, min(chunks, units))
        if chunkCount == 1 {
            body(0, 0..<count)
            return
        }
        pool.run(chunks: chunkCount) { chunk in
            let lower = min(count, units * chunk / chunkCount * granularity)
            let upper = min(count, units * (chunk + 1) / chunkCount * granularity)
            body(chunk, lower..<upper)
        }
    }
}

/// The CPU backend's worker threads (`worker_pool.c`): they spin briefly between ops, then park.
///
/// @unchecked Sendable: the C pool is driven by one caller at a time (the backend is used from one thread at a
/// time) and synchronises its workers itself.
final class WorkerPool: @unchecked Sendable {
    private let pool: OpaquePointer?

    /// How long an idle worker spins before parking. The ops of one decode step follow each other within a few
    /// microseconds, so workers stay awake through a step and park between requests.
    static let defaultSpinNanoseconds: Int64 = 200_000

    /// `workers` threads beside the caller's (0 runs everything on the caller).
    init(workers: Int, spinNanoseconds: Int64 = defaultSpinNanoseconds) {
        pool = workers > 0 ? sq_pool_create(Int32(workers), spinNanoseconds) : nil
    }

    deinit { sq_pool_destroy(pool) }

    /// Runs `body(c)` for every chunk `c` in `0 ..< chunks` and returns when all have run.
    func run(chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            var task = escapable
            withUnsafeMutablePointer(to: &task) { pointer in
                sq_pool_run(pool, Int32(chunks), { context, chunk in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(chunk))
                }, UnsafeMutableRawPointer(pointer))
            }
        }
    }
}
