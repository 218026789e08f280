import Foundation
import SequiturCore

extension CPUBackend {
    /// Per row: the maximum (and the lowest id that reaches it), `log Σ e^(x - max)` summed in double, then only
    /// the asked-for log-probs `(x - max) - log Σ`. Rows run in parallel. A row whose entries are all -inf
    /// answers -inf everywhere; NaN logits give NaN log-probs.
    public func logSoftmax(_ logits: DeviceTensor, queries: [PositionQuery]) throws -> [PositionLogProbs] {
        let op = "logSoftmax"
        let l = try activation(logits, op)
        try BackendArgumentChecks.logSoftmaxQueries(op, queries, rows: l.rows, vocabulary: l.columns)
        let vocabulary = l.columns
        let answers = UnsafeMutableBufferPointer<PositionLogProbs>.allocate(capacity: queries.count)
        defer { answers.deallocate() }
        let lp = l.floats
        parallelRanges(count: queries.count, chunks: threads) { _, rows in
            for r in rows {
                let row = UnsafeBufferPointer(start: lp + r * vocabulary, count: vocabulary)
                (answers.baseAddress! + r).initialize(to: Self.answer(queries[r], row: row))
            }
        }
        let result = Array(answers)
        _ = answers.deinitialize()
        return result
    }

    private static func answer(_ query: PositionQuery, row: UnsafeBufferPointer<Float>) -> PositionLogProbs {
        var maximum = -Float.infinity, argmax = 0, sawNaN = false
        for (i, v) in row.enumerated() {
            if v > maximum {
                maximum = v
                argmax = i
            } else if v.isNaN {
                sawNaN = true
            }
        }
        let logProb: (Float) -> Float
        var normalizer: Float = 0
        if sawNaN || maximum == .infinity {
            // NaN or +inf logits mean the model overflowed: no distribution, and NaN says so to every caller
            // that checks finiteness (the model turns it into an error naming the layer).
            logProb = { _ in .nan }
        } else if maximum == -.infinity {
            // Every token masked: no token is possible, so every log-prob is -inf (not -inf - -inf = NaN).
            logProb = { _ in -.infinity }
        } else {
            var sum: Double = 0
            for v in row { sum += Double(expf(v - maximum)) }
            let logSum = Float(log(sum))
            logProb = { ($0 - maximum) - logSum }
            normalizer = maximum + logSum
        }

        return PositionLogProbs(
            argmax: TokenID(argmax),
            argmaxLogProb: logProb(row[argmax]),
            targetLogProbs: query.targets.map { logProb(row[Int($0)]) },
            topK: topK(query.topK, of: row).map { TokenLogProb(token: TokenID($0), logProb: logProb(row[$0])) },
            fullRow: query.fullRow ? row.map(logProb) : [],
            logNormalizer: normalizer
        )
    }

    /// Indices of the `count` largest values, best first, ties to the lower index: a min-heap of the best so
    /// far (O(n log count)), not a sort of the whole row.
    static func topK(_ count: Int, of row: UnsafeBufferPointer<Float>) -> [Int] {
        let k = min(count, row.count)
        guard k > 0 else { return [] }
        // `worse(a, b)`: a ranks below b.
        func worse(_ a: Int, _ b: Int) -> Bool { row[a] < row[b] || (row[a] == row[b] && a > b) || (row[a].isNaN && !row[b].isNaN) }
        var heap: [Int] = []
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let left = 2 * i + 1, right = left + 1
                var smallest = i
                if left < heap.count && worse(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count && worse(heap[right], heap[smallest]) { smallest = right }
                if smallest == i { return }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        for i in 0..<row.count {
            if heap.count < k {
                heap.append(i)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard worse(heap[child], heap[parent]) else { break }
                    heap.swapAt(child, parent)
                    child = parent
                }
            } else if worse(heap[0], i) {
                heap[0] = i
                siftDown(0)
            }
        }
        return heap.sorted { worse($1, $0) }
    }
}
