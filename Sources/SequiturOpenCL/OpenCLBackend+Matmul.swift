import SequiturCore

extension OpenCLBackend {
    /// `out = x · weightᵀ` with the weight read in its own type (F32, F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the
    /// K-quants Q2_K to Q6_K, each dequantised element for element as the CPU backend does).
    ///
    /// Few rows (decode) run `matmul_vec`, many rows (prefill) `matmul_tiled`; both sum each output in the
    /// same order (see `Kernels/matmul.cl`), so the choice by row count cannot make a row's result depend
    /// on its batch.
    public func matmul(_ x: DeviceTensor, weight: DeviceTensor, into out: DeviceTensor) throws {
        let op = "matmul"
        let xt = try activation(x, op), w = try own(weight, op), o = try activation(out, op)
        try BackendArgumentChecks.matmul(op, x: xt, weight: w, weightName: w.name, out: o)
        guard OpenCLBackend.weightTypes.contains(w.type) else {
            throw BackendError.unsupportedWeightType(backend: name, tensor: w.name, type: w.type.description)
        }
        let n = xt.rows, k = xt.columns, m = w.rows
        guard n > 0 else { return }
        let options = "-D WEIGHT_TYPE=\(w.type.rawValue) -D TILE=\(OpenCLBackend.tile)"
        let sources = ["common", "matmul"]
        let common: [KernelArgument] = [.buffer(xt.buffer), .buffer(w.buffer), .buffer(o.buffer),
                                        .int(n), .int(k), .int(m), .int(w.rowBytes)]
        let rowsPerGroup = vectorRowsPerGroup(k: k, m: m)
        let useVector: Bool
        switch matmulPath {
        case .automatic: useVector = n <= vectorRowLimit && rowsPerGroup > 0
        case .vector: useVector = rowsPerGroup > 0
        case .tiled: useVector = false
        }
        if useVector {
            let chunks = (k + 31) / 32
            let threads = min(256, device.maxWorkGroupSize)
            let groups = (m + rowsPerGroup - 1) / rowsPerGroup
            try kernel("matmul_vec", sources: sources, options: options).launch(
                common + [.int(rowsPerGroup), .local(rowsPerGroup * chunks * 4)],
                global: [groups * threads, n], local: [threads, 1])
        } else {
            let tile = OpenCLBackend.tile
            try kernel("matmul_tiled", sources: sources, options: options).launch(
                common, global: [(m + tile - 1) / tile * 16, (n + tile - 1) / tile * 16], local: [16, 16])
        }
    }

    /// Output tile edge of `matmul_tiled` (16×16 threads, each a 4×4 register block).
    static let tile = 64

    /// Weight rows one `matmul_vec` work-group handles: enough (row, chunk) pairs to occupy its threads,
    /// few enough that their partial sums fit in local memory; 0 when not even one row fits.
    func vectorRowsPerGroup(k: Int, m: Int) -> Int {
        let chunks = (k + 31) / 32
        let threads = min(256, device.maxWorkGroupSize)
        let localFloats = min(32 * 1024, device.localMemoryBytes - 1024) / 4
        let wanted = (threads + chunks - 1) / chunks
        return min(wanted, localFloats / chunks, threads, m)
    }
}
