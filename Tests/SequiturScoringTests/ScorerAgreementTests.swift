import SequiturCore
import SequiturScoring
import SequiturTesting
import Testing

/// The three scorers compute the same quantity three ways; they must agree with each other and with the
/// model's reference rows.
@Suite struct ScorerAgreementTests {
    @Test(arguments: [0, 1, 2] as [UInt64])
    func allScorersAgreeWithEachOtherAndWithTheReference(seed: UInt64) throws {
        let model = PrefixHashLanguageModel(seed: seed)
        let requests = mixedRequests(count: 60, vocabularySize: 50, seed: 100 + seed)
        let results = try allScorers(batchSize: 5).map { try $0.score(requests, model: model) }
        for (i, request) in requests.enumerated() {
            let reference = bruteForceFactors(request, model: model)
            let referenceTotal = reference.reduce(0.0) { $0 + Double($1.logProb) }
            for (scorer, scored) in zip(allScorers(), results) {
                let r = scored[i]
                #expect(r.id == request.id)
                #expect(r.tokenLogProbs == reference.map(\.logProb), "\(scorer.name) factors of \(request.id)")
                #expect(abs(r.logProb - referenceTotal) < 1e-4, "\(scorer.name) total of \(request.id)")
                #expect(r.isGreedy == reference.allSatisfy(\.greedy), "\(scorer.name) isGreedy of \(request.id)")
            }
        }
    }

    @Test func jointMinusMarginalEqualsTheDirectSum() throws {
        // The two-pass formula: difference of two full-sequence sums (both from position 1).
        let model = PrefixHashLanguageModel(seed: 9)
        let x: [TokenID] = [4, 8, 15, 16, 23]
        let y: [TokenID] = [42, 7, 7]
        func sequenceLogProb(_ t: [TokenID]) -> Double {
            (1..<t.count).reduce(0.0) { $0 + Double(model.logProbRow(after: Array(t[..<$1]))[Int(t[$1])]) }
        }
        let expected = sequenceLogProb(x + y) - sequenceLogProb(x)
        let r = try JointMarginalScorer().score([ScoringRequest(id: "a", context: x, continuation: y)], model: model)[0]
        #expect(r.logProb == expected)
        let direct = try DirectScorer().score([ScoringRequest(id: "a", context: x, continuation: y)], model: model)[0]
        #expect(abs(r.logProb - direct.logProb) < 1e-5)
    }

    @Test func isGreedyIsTrueExactlyForArgmaxContinuationsWithTies() throws {
        // Quantised logits make ties common; the argmax is the lowest id among them, and only it counts.
        let model = PrefixHashLanguageModel(seed: 5, logitLevels: 3)
        let context: [TokenID] = [3, 9]
        var greedy: [TokenID] = []
        for _ in 0..<6 {
            let row = model.logProbRow(after: context + greedy)
            greedy.append(TokenID(row.firstIndex(of: row.max()!)!))
        }
        // The same continuation with its last token swapped for another token of equal (maximal) log-prob, if any,
        // or for the worst token.
        let lastRow = model.logProbRow(after: context + greedy.dropLast())
        let tiedOrWorse = lastRow.indices.last { lastRow[$0] == lastRow.max()! && $0 != Int(greedy.last!) }
            ?? lastRow.firstIndex(of: lastRow.min()!)!
        let notGreedy = Array(greedy.dropLast()) + [TokenID(tiedOrWorse)]
        for scorer in allScorers() {
            let r = try scorer.score([ScoringRequest(id: "g", context: context, continuation: greedy),
                                      ScoringRequest(id: "n", context: context, continuation: notGreedy),
                                      ScoringRequest(id: "p", context: context, continuation: Array(greedy.prefix(1)))],
                                     model: model)
            #expect(r.map(\.isGreedy) == [true, false, true], "\(scorer.name)")
        }
    }
}
