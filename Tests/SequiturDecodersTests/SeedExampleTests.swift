import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// The seeds' worked example (shared/seeds/002): after "The cat sat on the", "warm mat" scores −0.9 + −1.5 = −2.4
/// and "plush rug" −1.2 + −1.1 = −2.3. Greedy commits to "warm" and ends on the worse path; beam (k = 2) and exact
/// search find the better one.
@Suite struct SeedExampleTests {
    let model = TableLanguageModel.seedExample()
    var v: ToyVocabulary { model.toyVocabulary }
    var pathA: [TokenID] { [v.id(of: " warm")!, v.id(of: " mat")!] }
    var pathB: [TokenID] { [v.id(of: " plush")!, v.id(of: " rug")!] }

    /// Exactly two new tokens: the example's two-word continuations, with no end token.
    func twoTokens() -> DecodingRequest {
        DecodingRequest(prompt: model.seedPrompt, stop: StopConditions(maxNewTokens: 2, stopOnEndToken: false))
    }

    @Test func greedyTakesWarmAndEndsOnPathA() throws {
        let best = try #require(try GreedyDecoder().decode(twoTokens(), model: model).best)
        #expect(best.tokens == pathA)
        #expect(abs(best.logProb - (-2.4)) < 1e-6)
        #expect(abs(Double(best.tokenLogProbs[0]) - (-0.9)) < 1e-6)
        #expect(abs(Double(best.tokenLogProbs[1]) - (-1.5)) < 1e-6)
        #expect(best.finishReason == .length)
    }

    @Test func beamOfTwoFindsPathB() throws {
        let beam = try BeamSearchDecoder(numBeams: 2, lengthPenalty: 0, numReturnSequences: 2)
        let result = try beam.decode(twoTokens(), model: model)
        #expect(result.hypotheses.map(\.tokens) == [pathB, pathA])
        #expect(abs(result.hypotheses[0].score - (-2.3)) < 1e-6)
        #expect(abs(result.hypotheses[1].score - (-2.4)) < 1e-6)
        // With the default length penalty (1) the score is per token; the ranking is the same.
        let normalised = try BeamSearchDecoder(numBeams: 2).decode(twoTokens(), model: model).best!
        #expect(normalised.tokens == pathB)
        #expect(abs(normalised.score - (-2.3 / 2)) < 1e-6)
        #expect(abs(normalised.logProb - (-2.3)) < 1e-6)
    }

    @Test func exhaustiveSearchFindsPathBWithProof() throws {
        let result = try ExhaustiveDecoder(numReturnSequences: 2).decode(twoTokens(), model: model)
        #expect(result.hypotheses.map(\.tokens) == [pathB, pathA])
        #expect(abs(result.hypotheses[0].score - (-2.3)) < 1e-6)
        #expect(abs(result.hypotheses[1].score - (-2.4)) < 1e-6)
        #expect(result.certificate?.isProvenOptimal == true)
    }

    @Test func exhaustiveSearchWithEndTokenEndsOnPathB() throws {
        // After either path <eos> is certain, so "plush rug <eos>" keeps its −2.3.
        let request = DecodingRequest(prompt: model.seedPrompt, stop: StopConditions(maxNewTokens: 4))
        let best = try #require(try ExhaustiveDecoder().decode(request, model: model).best)
        #expect(best.tokens == pathB + [0])
        #expect(best.finishReason == .endToken)
        #expect(abs(best.score - (-2.3)) < 1e-6)
    }

    @Test func candidateModeRanksBAboveA() throws {
        let result = try ExhaustiveDecoder(candidates: [pathA, pathB]).decode(twoTokens(), model: model)
        #expect(result.hypotheses.map(\.tokens) == [pathB, pathA])
        #expect(abs(result.hypotheses[0].score - (-2.3)) < 1e-6)
        #expect(abs(result.hypotheses[1].score - (-2.4)) < 1e-6)
        // One shared prefill of the prompt, then one token per candidate (the last token needs no forward pass).
        #expect(result.processedTokens == model.seedPrompt.count + 2)
    }

    @Test func modelInputGrowsByOneGeneratedTokenPerStep() throws {
        let request = DecodingRequest(prompt: model.seedPrompt, stop: StopConditions(maxNewTokens: 4))
        let best = try GreedyDecoder().decode(request, model: model).best!
        #expect(best.tokens == pathA + [0])
        let calls = model.extensionLog
        #expect(calls.count == 3)   // prefill, " warm", " mat" (nothing is fed after <eos>)
        #expect(calls[0] == [ToyExtensionRecord(prefix: [], appended: model.seedPrompt,
                                                queries: [nil, nil, nil, nil, .argmax])])
        for step in 1..<calls.count {
            #expect(calls[step].count == 1)
            #expect(calls[step][0].prefix == model.seedPrompt + best.tokens.prefix(step - 1))
            #expect(calls[step][0].appended == [best.tokens[step - 1]])
        }
    }

    @Test func scoreIsTheSumOfConditionalLogProbs() throws {
        let result = try ExhaustiveDecoder(numReturnSequences: 5).decode(twoTokens(), model: model)
        for h in result.hypotheses {
            var expected = 0.0
            var context = model.seedPrompt
            for t in h.tokens {
                expected += Double(model.logProbs(after: context)[Int(t)])
                context.append(t)
            }
            #expect(abs(h.score - expected) < 1e-6)
            #expect(abs(h.logProb - expected) < 1e-6)
        }
    }
}
