import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

@Suite struct ExhaustiveDecoderTests {
    @Test(arguments: 0..<24)
    func searchMatchesBruteForceNBest(seed: Int) throws {
        let vocabularySize = 4 + seed % 5          // 4 ... 8
        let maxNew = 3 + seed % 2                  // 3 or 4
        let model = RandomLanguageModel(seed: UInt64(seed) &* 7919, vocabularySize: vocabularySize)
        let prompt: [TokenID] = [TokenID(seed % (vocabularySize - 1)), 0]
        let truth = allOutputs(of: model, prompt: prompt, maxNewTokens: maxNew)
        let n = 5
        // One at a time, batched, and with children ranked a few at a time (rows kept: these states cannot
        // fork a prefix): the same exact n-best.
        let (perCall, perRanking) = [(1, 64), (4, 64), (3, 2), (8, 1)][seed % 4]
        let result = try ExhaustiveDecoder(numReturnSequences: n, expansionsPerCall: perCall, childrenPerRanking: perRanking)
            .decode(DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: maxNew)), model: model)
        #expect(result.certificate?.isProvenOptimal == true)
        #expect(result.hypotheses.count == n)
        for (h, t) in zip(result.hypotheses, truth) {
            #expect(abs(h.score - t.logProb) < 1e-5)
            #expect(abs(h.logProb - model.logProb(of: h.tokens, after: prompt)) < 1e-5)
        }
        // Same sequences in the same order, except where two true scores tie to float precision.
        let gaps = zip(truth, truth.dropFirst()).map { $0.logProb - $1.logProb }
        if gaps.prefix(n).allSatisfy({ $0 > 1e-5 }) {
            #expect(result.hypotheses.map(\.tokens) == truth.prefix(n).map(\.tokens))
        }
        // Best-first search expands fewer nodes than there are prefixes (a real proof, not an enumeration).
        let prefixes = (0..<maxNew).reduce(0) { $0 + Int(pow(Double(vocabularySize - 1), Double($1))) }
        if case let .provenOptimal(expansions) = result.certificate { #expect(expansions <= prefixes) }
    }

    @Test(arguments: [3, 11, 29, 101])
    func withoutEndTokensEveryOutputHasExactlyNTokens(seed: Int) throws {
        let model = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 6)
        let request = DecodingRequest(prompt: [1, 2], stop: StopConditions(maxNewTokens: 3, stopOnEndToken: false))
        let truth = allOutputs(of: model, prompt: [1, 2], maxNewTokens: 3, stopOnEndToken: false)
        #expect(truth.count == 216)
        let result = try ExhaustiveDecoder(numReturnSequences: 4).decode(request, model: model)
        #expect(result.hypotheses.allSatisfy { $0.tokens.count == 3 && $0.finishReason == .length })
        #expect(result.hypotheses.map(\.tokens) == truth.prefix(4).map(\.tokens))
    }

    @Test(arguments: [5, 6, 7])
    func exhaustedBudgetReportsATrueUpperBound(seed: Int) throws {
        // Flat rows and no end token make the search wide, so five expansions cannot finish it.
        let model = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 10, spread: 0.5)
        let request = DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 4, stopOnEndToken: false))
        let result = try ExhaustiveDecoder(maxExpansions: 5).decode(request, model: model)
        guard case let .budgetExhausted(expansions, bestFound, upperBound, reason) = result.certificate else {
            Issue.record("expected a budget certificate, got \(String(describing: result.certificate))")
            return
        }
        #expect(expansions == 5)
        #expect(reason.contains("maxExpansions"))
        let optimum = allOutputs(of: model, prompt: [1], maxNewTokens: 4, stopOnEndToken: false)[0].logProb
        #expect(upperBound >= optimum - 1e-9)
        if let bestFound {
            #expect(bestFound <= optimum + 1e-9)
            #expect(abs(result.best!.score - bestFound) < 1e-12)
        }
        #expect(result.best != nil)
    }

    @Test func liveStateBudgetBoundsMemory() throws {
        let model = RandomLanguageModel(seed: 12, vocabularySize: 10, spread: 0.5)
        let request = DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 4, stopOnEndToken: false))
        let result = try ExhaustiveDecoder(maxLiveStates: 3).decode(request, model: model)
        guard case let .budgetExhausted(_, _, upperBound, reason) = result.certificate else {
            Issue.record("expected a budget certificate, got \(String(describing: result.certificate))")
            return
        }
        #expect(reason.contains("maxLiveStates"))
        let optimum = allOutputs(of: model, prompt: [1], maxNewTokens: 4, stopOnEndToken: false)[0].logProb
        #expect(upperBound >= optimum - 1e-9)
    }

    @Test func hugeSearchSpaceIsBoundedByTheBudget() throws {
        // 12^32 sequences over nearly flat rows: the run must stop on the budget, quickly, and say so.
        let model = RandomLanguageModel(seed: 99, vocabularySize: 12, contextLength: 64, spread: 0.1)
        let request = DecodingRequest(prompt: [0], stop: StopConditions(maxNewTokens: 32, stopOnEndToken: false))
        let result = try ExhaustiveDecoder(maxExpansions: 200).decode(request, model: model)
        #expect(result.certificate?.isProvenOptimal == false)
        #expect(model.processedTokenCount <= 1 + 200)
    }

    @Test func statesAreForkedNeverRecomputed() throws {
        let model = RandomLanguageModel(seed: 4, vocabularySize: 6)
        let prompt: [TokenID] = [0, 1, 2, 3]
        let result = try ExhaustiveDecoder(numReturnSequences: 3)
            .decode(DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 4)), model: model)
        guard case let .provenOptimal(expansions) = result.certificate else {
            Issue.record("expected a proof")
            return
        }
        // The prompt once, then exactly one new token per expansion after the first, a few per call.
        #expect(model.processedTokenCount == prompt.count + expansions - 1)
        #expect(model.extensionLog.dropFirst().allSatisfy { (1...32).contains($0.count) && $0.allSatisfy { $0.appended.count == 1 } })
        #expect(model.extensionLog.dropFirst().contains { $0.count > 1 })
    }

    /// Batching expansions and ranking children a page at a time (fetching a node's row again through a prefix
    /// fork when its siblings run past the page) change the work, never the answer: the same hypotheses, scores
    /// and proof as one expansion per call with every child ranked at once.
    @Test(arguments: 0..<8)
    func batchingAndPagedRankingLeaveTheResultUnchanged(seed: Int) throws {
        let model = CopyingLanguageModel(seed: UInt64(seed), vocabularySize: 9, prefixForks: true)
        let prompt: [TokenID] = [1, 2, 3, 1, 2]
        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 3, stopOnEndToken: seed % 2 == 0))
        let reference = try ExhaustiveDecoder(numReturnSequences: 6, expansionsPerCall: 1).decode(request, model: model)
        #expect(reference.certificate?.isProvenOptimal == true)
        for (perCall, perRanking) in [(4, 64), (2, 1), (6, 3), (32, 64)] {
            let before = model.processedTokenCount
            let got = try ExhaustiveDecoder(numReturnSequences: 6, expansionsPerCall: perCall, childrenPerRanking: perRanking)
                .decode(request, model: model)
            #expect(got.hypotheses == reference.hypotheses, "expansionsPerCall \(perCall), childrenPerRanking \(perRanking)")
            #expect(got.certificate?.isProvenOptimal == true)
            // One child per page: taking a second child re-fetches a row, beyond the one token per expansion.
            if perRanking == 1, case let .provenOptimal(expansions)? = got.certificate {
                #expect(model.processedTokenCount - before > prompt.count + expansions - 1)
            }
        }
    }

    @Test func candidateModeScoresWithOneSharedPrefillInOneBatch() throws {
        let model = RandomLanguageModel(seed: 8, vocabularySize: 7)
        let prompt: [TokenID] = [1, 2, 3]
        let candidates: [[TokenID]] = [[0, 1, 6], [2], [4, 4], [0, 1, 2, 3]]
        let result = try ExhaustiveDecoder(candidates: candidates)
            .decode(DecodingRequest(prompt: prompt), model: model)
        let expected = candidates.map { model.logProb(of: $0, after: prompt) }
        #expect(result.hypotheses.count == 4)
        for h in result.hypotheses {
            let i = candidates.firstIndex(of: h.tokens)!
            #expect(abs(h.score - expected[i]) < 1e-5)
        }
        #expect(result.hypotheses.map(\.score) == result.hypotheses.map(\.score).sorted(by: >))
        #expect(model.extensionLog.count == 2)
        #expect(model.extensionLog[0].count == 1)   // the prompt, once
        #expect(model.extensionLog[1].count == 3)   // [2] needs no extension
        #expect(result.promptLogProbs == nil)
        #expect(result.hypotheses.first { $0.tokens == [0, 1, 6] }?.finishReason == .endToken)

        // Prompt log-probs are one more request in the same two calls: [2, 3] given [1].
        let withPrompt = try ExhaustiveDecoder(candidates: candidates)
            .decode(DecodingRequest(prompt: prompt, returnPromptLogProbs: true), model: model)
        #expect(withPrompt.hypotheses == result.hypotheses)
        #expect(model.extensionLog.count == 4 && model.extensionLog[2].count == 2 && model.extensionLog[3].count == 4)
        let promptLogProbs = try #require(withPrompt.promptLogProbs)
        #expect(abs(Double(promptLogProbs[0]) - Double(model.logProbs(after: [1])[2])) < 1e-6)
        #expect(abs(Double(promptLogProbs[1]) - Double(model.logProbs(after: [1, 2])[3])) < 1e-6)
    }

    @Test func candidateModeFeedsThePromptFromThePrefixState() throws {
        let model = RandomLanguageModel(seed: 8, vocabularySize: 7)
        let prompt: [TokenID] = [1, 2, 3, 5]
        let decoder = try ExhaustiveDecoder(candidates: [[0, 1, 6], [2], [4, 4]])
        let fresh = try decoder.decode(DecodingRequest(prompt: prompt), model: model)
        let prefix = model.makeState()
        _ = try model.extend([ExtensionRequest(state: prefix, tokens: [1, 2, 3], lastQuery: nil)])
        let reused = try decoder.decode(DecodingRequest(prompt: prompt, prefixState: prefix), model: model)
        #expect(reused.hypotheses == fresh.hypotheses)
        #expect(reused.processedTokens == fresh.processedTokens - 3)
        #expect(prefix.count == 3)
    }

    @Test func badCandidatesAreClearErrors() throws {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        #expect(throws: DecodingError.invalidParameter(name: "candidates", message: "the candidate list is empty")) {
            try ExhaustiveDecoder(candidates: [])
        }
        #expect(throws: DecodingError.invalidParameter(name: "candidates[1]", message: "a candidate needs at least one token")) {
            try ExhaustiveDecoder(candidates: [[1], []])
        }
        let decoder = try ExhaustiveDecoder(candidates: [[1, 9]])
        #expect(throws: LanguageModelError.tokenOutOfRange(token: 9, vocabularySize: 5)) {
            try decoder.decode(DecodingRequest(prompt: [0]), model: model)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
