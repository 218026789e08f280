import SequiturCore
import SequiturScoring
import SequiturTesting
import Testing

@Suite struct ScorerBehaviourTests {
    @Test func factoryMakesTheNamedScorer() {
        for strategy in ScorerStrategy.allCases {
            let scorer = makeScorer(strategy, batchSize: 3)
            #expect(scorer.name == strategy.rawValue)
        }
        #expect(DirectScorer(batchSize: 0).batchSize == 1)
        #expect(SharedPrefixScorer(batchSize: -4).batchSize == 1)
        #expect(JointMarginalScorer(batchSize: 7).batchSize == 7)
    }

    @Test func emptyContinuationScoresZeroWithoutModelWork() throws {
        for scorer in allScorers() {
            let model = PrefixHashLanguageModel()
            let r = try scorer.score([ScoringRequest(id: "e", context: [2, 3], continuation: [])], model: model)
            #expect(r == [ScoringResult(id: "e", logProb: 0, tokenLogProbs: [], isGreedy: true)], "\(scorer.name)")
            #expect(model.processedTokenCount == 0, "\(scorer.name)")
        }
    }

    @Test func emptyContextThrowsBeforeAnyWork() throws {
        for scorer in allScorers() {
            let model = PrefixHashLanguageModel()
            let requests = [ScoringRequest(id: "ok", context: [2], continuation: [3]),
                            ScoringRequest(id: "bad", context: [], continuation: [3])]
            #expect(throws: ScoringError.emptyContext(id: "bad"), "\(scorer.name)") {
                try scorer.score(requests, model: model)
            }
            #expect(model.processedTokenCount == 0, "\(scorer.name)")
        }
    }

    @Test func modelErrorsPropagate() throws {
        for scorer in allScorers() {
            let model = PrefixHashLanguageModel(vocabularySize: 10, contextLength: 6)
            #expect(throws: LanguageModelError.tokenOutOfRange(token: 12, vocabularySize: 10), "\(scorer.name)") {
                try scorer.score([ScoringRequest(id: "a", context: [2], continuation: [3, 12, 4])], model: model)
            }
            #expect(throws: LanguageModelError.self, "\(scorer.name)") {
                try scorer.score([ScoringRequest(id: "a", context: [2, 3, 4, 5], continuation: [3, 5, 4, 7])],
                                 model: model)
            }
        }
    }

    @Test func scorersAskOnlyForTargetsAndRespectTheBatchSize() throws {
        let requests = mixedRequests(count: 40, vocabularySize: 50, seed: 7)
        for batchSize in [1, 3, 16] {
            for scorer in allScorers(batchSize: batchSize) {
                let model = RecordingLanguageModel(PrefixHashLanguageModel())
                _ = try scorer.score(requests, model: model)
                #expect(!model.calls.isEmpty)
                #expect(model.calls.allSatisfy { !$0.isEmpty && $0.count <= batchSize }, "\(scorer.name)")
                #expect(model.allQueries.allSatisfy { !$0.fullRow && $0.topK == 0 && !$0.targets.isEmpty },
                        "\(scorer.name) asked for more than targets")
            }
        }
    }

    @Test func directScorerWorkIsOnePassPerRequest() throws {
        let requests = mixedRequests(count: 30, vocabularySize: 50, seed: 8)
        let model = RecordingLanguageModel(PrefixHashLanguageModel())
        _ = try DirectScorer(batchSize: 8).score(requests, model: model)
        let scored = requests.filter { !$0.continuation.isEmpty }
        // Context plus all continuation tokens but the last: nothing is asked after the last token.
        #expect(model.processedTokenCount == scored.reduce(0) { $0 + $1.context.count + $1.continuation.count - 1 })
        #expect(model.calls.count == (scored.count + 7) / 8)
        // Only continuation positions are queried.
        #expect(model.allQueries.count == scored.reduce(0) { $0 + $1.continuation.count })
    }

    @Test func jointMarginalRunsTheContextTwice() throws {
        let requests = mixedRequests(count: 30, vocabularySize: 50, seed: 9)
        let model = PrefixHashLanguageModel()
        _ = try JointMarginalScorer(batchSize: 8).score(requests, model: model)
        let scored = requests.filter { !$0.continuation.isEmpty }
        let joint = scored.reduce(0) { $0 + $1.context.count + $1.continuation.count - 1 }
        let marginal = scored.reduce(0) { $0 + $1.context.count - 1 }
        #expect(model.processedTokenCount == joint + marginal)
    }

    @Test func sharedPrefixPrefillsEachDistinctContextOnce() throws {
        // Four contexts, several choices each (with a duplicate and an empty continuation), interleaved.
        var requests: [ScoringRequest] = []
        let contexts: [[TokenID]] = [[2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [12, 13], [5], [14, 15, 16, 17, 18, 19]]
        let choices: [[TokenID]] = [[20], [21, 22, 23], [20, 24], [25, 26, 27, 28], [21, 22, 23], []]
        for choice in choices { for (c, context) in contexts.enumerated() {
            requests.append(ScoringRequest(id: "c\(c)-\(requests.count)", context: context, continuation: choice))
        } }
        let model = RecordingLanguageModel(PrefixHashLanguageModel())
        let results = try SharedPrefixScorer(batchSize: 3).score(requests, model: model)
        // Prefill: every context once. Forks: each distinct continuation of ≥ 2 tokens, all but its last token.
        let distinctContinuationWork = [[21, 22, 23], [20, 24], [25, 26, 27, 28]].reduce(0) { $0 + $1.count - 1 }
        let expected = contexts.reduce(0) { $0 + $1.count } + contexts.count * distinctContinuationWork
        #expect(model.processedTokenCount == expected)
        // Chunk 1 (3 contexts): 1 prefill call, 9 forks in 3 calls; chunk 2: 1 prefill call, 3 forks in 1 call.
        #expect(model.calls.map(\.count) == [3, 3, 3, 3, 1, 3])
        // The prefill asks for every distinct first token of its group, once.
        let firstPrefill = model.calls[0][0]
        #expect(firstPrefill.queries.last??.targets == [20, 21, 25])
        #expect(firstPrefill.queries.dropLast().allSatisfy { $0 == nil })
        // Duplicates share the result.
        let dup = results.indices.filter { requests[$0].context == contexts[1] && requests[$0].continuation == [21, 22, 23] }
        #expect(dup.count == 2 && results[dup[0]].tokenLogProbs == results[dup[1]].tokenLogProbs)
        #expect(results.map(\.id) == requests.map(\.id))
    }

    @Test func sharedPrefixBeatsDirectOnMultipleChoiceWork() throws {
        let context = Array(repeating: TokenID(7), count: 40)
        let requests = (0..<4).map { ScoringRequest(id: "\($0)", context: context, continuation: [TokenID(10 + $0), 3]) }
        let shared = PrefixHashLanguageModel()
        let direct = PrefixHashLanguageModel()
        _ = try SharedPrefixScorer().score(requests, model: shared)
        _ = try DirectScorer().score(requests, model: direct)
        #expect(shared.processedTokenCount == 40 + 4)
        #expect(direct.processedTokenCount == 4 * 41)
    }
}
