import Foundation
import SequiturCore
import SequiturCPU
import Testing

/// logSoftmax and its answers (targets, argmax, top-k, full row) against a double-precision reference.
@Suite struct LogSoftmaxTests {
    let backend = CPUBackend(threads: 2)

    static func reference(_ row: [Float]) -> [Double] {
        let maximum = Double(row.max()!)
        let logSum = log(row.map { exp(Double($0) - maximum) }.reduce(0, +))
        return row.map { Double($0) - maximum - logSum }
    }

    @Test func wideRowsMatchReference() throws {
        let vocabulary = 49_152
        var g = SplitMix64(seed: 49)
        var logits = g.floats(3 * vocabulary, in: -12...12)
        // Ties for the argmax (row 1: ids 500 and 40000) and for top-k (row 2).
        logits[vocabulary + 500] = 30
        logits[vocabulary + 40_000] = 30
        logits[2 * vocabulary + 9] = 20
        logits[2 * vocabulary + 3] = 20
        logits[2 * vocabulary + 7] = 25
        let queries = [PositionQuery(targets: [0, 49_151, 17], topK: 5, fullRow: true),
                       PositionQuery(targets: [40_000], topK: 2),
                       PositionQuery(topK: 3)]
        let answers = try backend.logSoftmax(try backend.makeActivations(rows: 3, columns: vocabulary, values: logits), queries: queries)
        #expect(answers.count == 3)
        for (r, answer) in answers.enumerated() {
            let row = Array(logits[r * vocabulary..<(r + 1) * vocabulary])
            let want = Self.reference(row)
            // x − max is exact (Sterbenz) or within u; log Σ is summed in double and rounded once: 4u of |x| + |log Σ|.
            let tolerance = { (i: Int) in 4 * unitRoundoff * (abs(Double(row[i])) + 30) }
            let order = want.indices.sorted { want[$0] > want[$1] || (want[$0] == want[$1] && $0 < $1) }
            #expect(Int(answer.argmax) == order[0])
            #expect(abs(Double(answer.argmaxLogProb) - want[order[0]]) <= tolerance(order[0]))
            for (j, target) in queries[r].targets.enumerated() {
                #expect(abs(Double(answer.targetLogProbs[j]) - want[Int(target)]) <= tolerance(Int(target)))
            }
            #expect(answer.topK.map { Int($0.token) } == Array(order.prefix(queries[r].topK)))
            if queries[r].fullRow {
                #expect(answer.fullRow.count == vocabulary)
                for i in stride(from: 0, to: vocabulary, by: 1) where abs(Double(answer.fullRow[i]) - want[i]) > tolerance(i) {
                    Issue.record("row \(r) entry \(i): \(answer.fullRow[i]) vs \(want[i])")
                    break
                }
            } else {
                #expect(answer.fullRow.isEmpty)
            }
        }
        #expect(answers[1].argmax == 500)
        #expect(answers[2].topK.map(\.token) == [7, 3, 9])
    }

    @Test func negativeInfinityIsStable() throws {
        let row: [Float] = [-.infinity, 2, -.infinity, 2, 0.5, -.infinity, 1]
        let allMasked = [Float](repeating: -.infinity, count: 7)
        let answers = try backend.logSoftmax(try backend.makeActivations(rows: 2, columns: 7, values: row + allMasked),
                                             queries: [PositionQuery(targets: [0, 6], topK: 7, fullRow: true), .full])
        let want = Self.reference(row)
        #expect(answers[0].argmax == 1)
        #expect(answers[0].targetLogProbs[0] == -.infinity)
        #expect(abs(Double(answers[0].targetLogProbs[1]) - want[6]) <= 1e-6)
        #expect(answers[0].topK.map(\.token) == [1, 3, 6, 4, 0, 2, 5])
        #expect(!answers[0].fullRow.contains { $0.isNaN })
        // A fully masked row has no possible token: -inf everywhere, never NaN.
        #expect(answers[1].fullRow == allMasked)
    }

    /// NaN or +inf logits mean the model overflowed: every answer of the row is NaN, which the model turns into
    /// an error naming the layer; a finite row beside it is unaffected.
    @Test func nanOrPositiveInfinityMakeTheWholeRowNaN() throws {
        let rows: [Float] = [0, .nan, 1, 2,   .infinity, 0, 1, 2,   .nan, .nan, .nan, .nan,   0, 1, 2, 3]
        let answers = try backend.logSoftmax(try backend.makeActivations(rows: 4, columns: 4, values: rows),
                                             queries: Array(repeating: PositionQuery(targets: [0, 3], topK: 2, fullRow: true), count: 4))
        for answer in answers.prefix(3) {
            #expect(answer.argmaxLogProb.isNaN)
            #expect(answer.targetLogProbs.allSatisfy(\.isNaN) && answer.topK.allSatisfy(\.logProb.isNaN))
            #expect(answer.fullRow.allSatisfy { $0.isNaN })
        }
        #expect(answers[3].fullRow.allSatisfy { $0.isFinite } && answers[3].argmax == 3)
    }

    /// Every kernel path answers bitwise the same (argmax, log-probs, top k, full row, normaliser) on rows of
    /// awkward widths around the 8- and 16-entry register blocks, with ties, masked entries and a NaN.
    @Test(arguments: [1, 7, 15, 16, 17, 33, 1000, 49_157])
    func everyKernelPathAgreesBitwise(vocabulary: Int) throws {
        var g = SplitMix64(seed: UInt64(vocabulary))
        var logits = g.floats(4 * vocabulary, in: -20...20)
        // Row 1: a tie for the maximum at its last entry and some masked entries; row 2 one NaN; row 3 spread
        // far enough that exp underflows for most entries.
        logits[2 * vocabulary - 1] = 25
        logits[vocabulary + vocabulary / 2] = 25
        for j in stride(from: vocabulary + 1, to: 2 * vocabulary - 1, by: 3) { logits[j] = -.infinity }
        logits[2 * vocabulary + vocabulary / 3] = .nan
        for j in 0..<vocabulary { logits[3 * vocabulary + j] *= 8 }
        let queries = (0..<4).map { r in
            PositionQuery(targets: [0, TokenID(vocabulary - 1), TokenID(vocabulary / 2)], topK: [1, 3, 17, vocabulary][r],
                          fullRow: true)
        }
        func bits(_ a: PositionLogProbs) -> [UInt32] {
            [UInt32(a.argmax), a.argmaxLogProb.bitPattern, a.logNormalizer.bitPattern] + a.targetLogProbs.map(\.bitPattern)
                + a.topK.flatMap { [UInt32($0.token), $0.logProb.bitPattern] } + a.fullRow.map(\.bitPattern)
        }
        var answers: [(CPUKernelPath, [PositionLogProbs])] = []
        for path in CPUKernelPath.supported {
            let backend = CPUBackend(threads: 2, kernels: path)
            answers.append((path, try backend.logSoftmax(try backend.makeActivations(rows: 4, columns: vocabulary, values: logits),
                                                         queries: queries)))
        }
        let first = answers[0].1
        for r in 0..<4 {
            let row = Array(logits[r * vocabulary..<(r + 1) * vocabulary])
            // Top k against a sort: best first, ties to the lower index, NaN last.
            let order = row.indices.sorted { a, b in
                if row[a].isNaN != row[b].isNaN { return row[b].isNaN }
                return row[a] > row[b] || (row[a] == row[b] && a < b)
            }
            #expect(first[r].topK.map { Int($0.token) } == Array(order.prefix(queries[r].topK)), "row \(r)")
            if r != 2 {
                let want = Self.reference(row)
                #expect(Int(first[r].argmax) == order[0])
                for i in row.indices where abs(Double(first[r].fullRow[i]) - want[i]) > 4 * unitRoundoff * (abs(Double(row[i])) + 200) {
                    Issue.record("row \(r) entry \(i): \(first[r].fullRow[i]) vs \(want[i])")
                    break
                }
            } else {
                #expect(first[r].fullRow.allSatisfy { $0.isNaN })
            }
        }
        for (path, got) in answers.dropFirst() {
            #expect(got.map(bits) == first.map(bits), "\(path) differs from \(answers[0].0)")
        }
    }

    @Test func rejectsBadQueries() throws {
        let logits = try backend.makeActivations(rows: 1, columns: 7, values: [1, 2, 3, 4, 5, 6, 7])
        #expect(throws: BackendError.self) { try backend.logSoftmax(logits, queries: [.target(7)]) }
        #expect(throws: BackendError.self) { try backend.logSoftmax(logits, queries: [.argmax, .argmax]) }
    }
}
