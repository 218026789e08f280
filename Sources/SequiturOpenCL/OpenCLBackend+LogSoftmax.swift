import SequiturCore

extension OpenCLBackend {
    /// Largest top-k answered on the device by repeated selection; larger ones read the row.
    static let maxDeviceTopK = 256

    /// Normalises each logits row on the device and copies back only the answers: per row the maximum,
    /// log-sum-exp and argmax, plus asked targets, top-k lists and (only when asked) full rows.
    public func logSoftmax(_ logits: DeviceTensor, queries: [PositionQuery]) throws -> [PositionLogProbs] {
        let op = "logSoftmax"
        let l = try activation(logits, op)
        try BackendArgumentChecks.logSoftmaxQueries(op, queries, rows: l.rows, vocabulary: l.columns)
        let vocabulary = l.columns
        guard !queries.isEmpty else { return [] }
        let rows = queries.count
        let v = Int32(vocabulary)

        let stats = try scratchBuffer("softmaxStats", bytes: rows * 8)
        let argmax = try scratchBuffer("softmaxArgmax", bytes: rows * 4)
        try kernel("log_softmax_stats").launch([.buffer(l.buffer), .int32(v), .buffer(stats), .buffer(argmax)],
                                               global: [rows * 256], local: [256])

        // Targets: one gathered value per (row, token) pair.
        var targetRows: [Int32] = [], targetTokens: [Int32] = []
        for (i, query) in queries.enumerated() {
            targetRows += Array(repeating: Int32(i), count: query.targets.count)
            targetTokens += query.targets
        }
        let targetOut = try scratchBuffer("softmaxTargets", bytes: targetRows.count * 4)
        if !targetRows.isEmpty {
            try kernel("log_softmax_gather").launch(
                [.buffer(l.buffer), .int32(v), .buffer(stats), .buffer(try upload(targetRows, purpose: "targetRows")),
                 .buffer(try upload(targetTokens, purpose: "targetTokens")), .buffer(targetOut), .int(targetRows.count)],
                global: [targetRows.count], local: [64])
        }

        // Top-k on the device for the rows asking, all with the largest k asked (then cut per row).
        let topRows = queries.indices.filter { queries[$0].topK > 0 && queries[$0].topK <= OpenCLBackend.maxDeviceTopK }
        let k = min(topRows.map { min(queries[$0].topK, vocabulary) }.max() ?? 0, vocabulary)
        let topIds = try scratchBuffer("softmaxTopIds", bytes: topRows.count * k * 4)
        let topValues = try scratchBuffer("softmaxTopValues", bytes: topRows.count * k * 4)
        if k > 0 {
            try kernel("log_softmax_top_k").launch(
                [.buffer(l.buffer), .int32(v), .buffer(stats), .buffer(try upload(topRows.map(Int32.init), purpose: "topRows")),
                 .int(k), .buffer(topIds), .buffer(topValues)],
                global: [topRows.count * 256], local: [256])
        }

        // Full rows, also for top-k too large for repeated selection.
        let fullRows = queries.indices.filter { queries[$0].fullRow || queries[$0].topK > OpenCLBackend.maxDeviceTopK }
        let fullOut = try scratchBuffer("softmaxFull", bytes: fullRows.count * vocabulary * 4)
        if !fullRows.isEmpty {
            try kernel("log_softmax_full").launch(
                [.buffer(l.buffer), .int32(v), .buffer(stats), .buffer(try upload(fullRows.map(Int32.init), purpose: "fullRows")),
                 .buffer(fullOut)],
                global: [vocabulary, fullRows.count], local: [64, 1])
        }

        let statValues = try stats.read(Float.self, count: rows * 2)
        let argmaxValues = try argmax.read(Int32.self, count: rows)
        let targets = try targetOut.read(Float.self, count: targetRows.count)
        let ids = try topIds.read(Int32.self, count: topRows.count * k)
        let values = try topValues.read(Float.self, count: topRows.count * k)
        let full = try fullOut.read(Float.self, count: fullRows.count * vocabulary)

        var answers: [PositionLogProbs] = []
        answers.reserveCapacity(rows)
        var targetCursor = 0
        for (i, query) in queries.enumerated() {
            let maximum = statValues[2 * i], lse = statValues[2 * i + 1]
            if !maximum.isFinite || !lse.isFinite {
                // ±inf or NaN logits: rare enough to finish on the host from the raw row.
                let row = try l.buffer.read(Float.self, count: vocabulary, offset: i * vocabulary * 4)
                answers.append(OpenCLBackend.hostAnswer(query, row: row))
                targetCursor += query.targets.count
                continue
            }
            let best = argmaxValues[i]
            var answer = PositionLogProbs(argmax: best, argmaxLogProb: maximum - lse, logNormalizer: lse)
            answer.targetLogProbs = Array(targets[targetCursor..<targetCursor + query.targets.count])
            targetCursor += query.targets.count
            if let g = fullRows.firstIndex(of: i) {
                let row = Array(full[g * vocabulary..<(g + 1) * vocabulary])
                if query.fullRow { answer.fullRow = row }
                if query.topK > OpenCLBackend.maxDeviceTopK { answer.topK = OpenCLBackend.hostTopK(query.topK, of: row) }
            }
            if let g = topRows.firstIndex(of: i) {
                let count = min(query.topK, vocabulary)
                answer.topK = (0..<count).map { TokenLogProb(token: ids[g * k + $0], logProb: values[g * k + $0]) }
            }
            answers.append(answer)
        }
        return answers
    }

    /// The answer computed on the host from a raw logits row (for rows with non-finite values).
    static func hostAnswer(_ query: PositionQuery, row: [Float]) -> PositionLogProbs {
        let normalised = LogProbMath.logSoftmax(row)
        let order = hostTopK(1, of: normalised)
        let best = order.first ?? TokenLogProb(token: 0, logProb: -.infinity)
        var answer = PositionLogProbs(argmax: best.token, argmaxLogProb: best.logProb)
        answer.targetLogProbs = query.targets.map { normalised[Int($0)] }
        answer.topK = hostTopK(query.topK, of: normalised)
        if query.fullRow { answer.fullRow = normalised }
        return answer
    }

    /// The `count` best entries, best first, ties to the lower id, NaN last.
    static func hostTopK(_ count: Int, of row: [Float]) -> [TokenLogProb] {
        func before(_ a: Int, _ b: Int) -> Bool {
            if row[b].isNaN { return !row[a].isNaN || a < b }
            if row[a].isNaN { return false }
            return row[a] > row[b] || (row[a] == row[b] && a < b)
        }
        return row.indices.sorted(by: before).prefix(count).map { TokenLogProb(token: TokenID($0), logProb: row[$0]) }
    }
}
