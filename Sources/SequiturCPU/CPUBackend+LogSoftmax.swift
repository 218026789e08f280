import CSequiturKernels
import Foundation
import SequiturCore

extension CPUBackend {
    /// Per row: the maximum (and the lowest id that reaches it), `log Σ e^(x - max)` summed in double lanes (one
    /// order on every kernel path), then only the asked-for log-probs `(x - max) - log Σ`. Rows run in
    /// parallel. A row whose entries are all -inf answers -inf everywhere; NaN logits give NaN log-probs.
    public func logSoftmax(_ logits: DeviceTensor, queries: [PositionQuery]) throws -> [PositionLogProbs] {
        let op = "logSoftmax"
        let l = try activation(logits, op)
        try BackendArgumentChecks.logSoftmaxQueries(op, queries, rows: l.rows, vocabulary: l.columns)
        let vocabulary = l.columns
        let answers = UnsafeMutableBufferPointer<PositionLogProbs>.allocate(capacity: queries.count)
        defer { answers.deallocate() }
        let lp = l.floats
        let simd = simdFlag
        parallelRanges(count: queries.count, chunks: threads) { _, rows in
            for r in rows {
                let row = UnsafeBufferPointer(start: lp + r * vocabulary, count: vocabulary)
                (answers.baseAddress! + r).initialize(to: Self.answer(queries[r], row: row, simd: simd))
            }
        }
        let result = Array(answers)
        _ = answers.deinitialize()
        return result
    }

    /// One row's answer from the C kernels (`sq_log_softmax_stats`, `sq_top_k`, `sq_log_softmax_row`), whose
    /// summation order is the same on every kernel path.
    private static func answer(_ query: PositionQuery, row: UnsafeBufferPointer<Float>, simd: Int32) -> PositionLogProbs {
        let base = row.baseAddress!
        var maximum: Float = 0, logSum: Float = 0, argmax = 0
        let kind = Int32(sq_log_softmax_stats(base, row.count, simd, &maximum, &argmax, &logSum))
        let logProb: (Float) -> Float
        var normalizer: Float = 0
        switch kind {
        case Int32(SQ_ROW_FINITE):
            logProb = { ($0 - maximum) - logSum }
            normalizer = maximum + logSum
        case Int32(SQ_ROW_MASKED):
            // Every token masked: no token is possible, so every log-prob is -inf (not -inf - -inf = NaN).
            logProb = { _ in -.infinity }
        default:
            // NaN or +inf logits mean the model overflowed: no distribution, and NaN says so to every caller
            // that checks finiteness (the model turns it into an error naming the layer).
            logProb = { _ in .nan }
        }
        var fullRow: [Float] = []
        if query.fullRow {
            if kind == Int32(SQ_ROW_FINITE) {
                fullRow = [Float](unsafeUninitializedCapacity: row.count) { buffer, initialized in
                    sq_log_softmax_row(base, row.count, maximum, logSum, buffer.baseAddress!, simd)
                    initialized = row.count
                }
            } else {
                fullRow = row.map(logProb)
            }
        }
        return PositionLogProbs(
            argmax: TokenID(argmax),
            argmaxLogProb: logProb(row[argmax]),
            targetLogProbs: query.targets.map { logProb(row[Int($0)]) },
            topK: topK(query.topK, of: row, simd: simd).map { TokenLogProb(token: TokenID($0), logProb: logProb(row[$0])) },
            fullRow: fullRow,
            logNormalizer: normalizer
        )
    }

    /// Indices of the `count` largest values, best first, ties to the lower index (`sq_top_k`: a min-heap of
    /// the best so far that only entries above its worst value reach, not a sort of the whole row).
    static func topK(_ count: Int, of row: UnsafeBufferPointer<Float>, simd: Int32) -> [Int] {
        let k = min(count, row.count)
        guard k > 0 else { return [] }
        var indices = [Int](repeating: 0, count: k)
        indices.withUnsafeMutableBufferPointer { _ = sq_top_k(row.baseAddress!, row.count, k, $0.baseAddress!, simd) }
        return indices
    }
}
