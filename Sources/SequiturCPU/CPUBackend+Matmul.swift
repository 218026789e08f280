import CSequiturKernels
import SequiturCore

extension CPUBackend {
    /// `out = x · weightᵀ`, threads splitting the weight rows into contiguous ranges.
    ///
    /// Each thread reads only its own weight rows, once per call, for all `n` activation rows together, so a
    /// decode step over a batch of sequences costs little more than one sequence. Results do not depend on `n`
    /// or on the split (see `sq_matmul_rows`).
    public func matmul(_ x: DeviceTensor, weight: DeviceTensor, into out: DeviceTensor) throws {
        let op = "matmul"
        let xt = try activation(x, op), w = try cpu(weight, op), o = try activation(out, op)
        try BackendArgumentChecks.matmul(op, x: xt, weight: w, weightName: w.name, out: o)
        let n = xt.rows, k = xt.columns, m = w.rows
        guard n > 0 else { return }
        // Below ~100K multiply-adds, handing half to the other thread costs more than it saves. With the
        // spinning worker pool the default model's smallest projections (576×192 at batch 1) already gain from
        // the split: a 400K threshold kept the attention projections on one thread while the other spun, and
        // decode measured 9% slower (median of six interleaved pairs, 101 against 111 tokens/s). The split never
        // changes a result (see `sq_matmul_rows`).
        let chunks = n * m * k < 100_000 ? 1 : threads
        let scratchFloats = sq_matmul_scratch_floats(n, k)
        let buffers = try scratchBuffers(chunks: min(chunks, m), floats: scratchFloats)
        let type = Int32(w.type.rawValue), rowBytes = w.rowBytes, simd = simdFlag
        let xp = xt.floats, wp = w.bytes, op_ = o.floats
        guard sq_type_is_supported(type) != 0 else {
            throw BackendError.unsupportedWeightType(backend: name, tensor: w.name, type: w.type.description)
        }
        // Granularity 3 keeps the micro-kernel's 3-row tiles whole inside each range.
        parallelRanges(count: m, chunks: chunks, granularity: 3) { chunk, rows in
            _ = sq_matmul_rows(xp, n, k, wp, type, rowBytes, rows.lowerBound, rows.upperBound,
                                        op_, m, buffers[chunk], simd)
        }
    }
}
