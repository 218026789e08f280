import SequiturCore
import SequiturScoring
import SequiturTesting
import Testing

@Suite struct BatchInvarianceTests {
    @Test func resultsDoNotDependOnTheBatch() throws {
        let model = PrefixHashLanguageModel(seed: 11)
        let requests = mixedRequests(count: 16, vocabularySize: 50, seed: 12)
        #expect(Set(requests.map(\.continuation.count)).count >= 4)       // mixed lengths
        for batchSize in [1, 5, 16] {
            for scorer in allScorers(batchSize: batchSize) {
                try assertBatchInvariance(model: model, scorer: scorer, requests: requests)
            }
        }
    }

    @Test func resultsDoNotDependOnTheBatchSize() throws {
        let model = PrefixHashLanguageModel(seed: 13)
        let requests = mixedRequests(count: 25, vocabularySize: 50, seed: 14)
        for strategy in ScorerStrategy.allCases {
            let reference = try makeScorer(strategy, batchSize: 1).score(requests, model: model)
            for batchSize in [2, 7, 64] {
                let r = try makeScorer(strategy, batchSize: batchSize).score(requests, model: model)
                #expect(r == reference, "\(strategy) with batch size \(batchSize)")
            }
        }
    }
}
