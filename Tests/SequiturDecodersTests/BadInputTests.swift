import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

@Suite struct BadInputTests {
    static var decoders: [any Decoder] {
        [GreedyDecoder(), try! BeamSearchDecoder(numBeams: 2), try! ExhaustiveDecoder(), try! SamplingDecoder(seed: 1)]
    }

    @Test func emptyPromptIsRejectedByEveryDecoder() {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        for d in Self.decoders {
            #expect(throws: DecodingError.emptyPrompt, "\(d.name)") { try d.decode(DecodingRequest(prompt: []), model: model) }
        }
    }

    @Test func outputLongerThanTheContextIsRejected() {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5, contextLength: 16)
        let request = DecodingRequest(prompt: [1, 2, 3], stop: StopConditions(maxNewTokens: 14))
        for d in Self.decoders {
            #expect(throws: DecodingError.promptTooLong(promptLength: 3, maxNewTokens: 14, contextLength: 16), "\(d.name)") {
                try d.decode(request, model: model)
            }
        }
    }

    @Test func badTokensAndLimitsAreRejected() {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        for d in Self.decoders {
            // The error the model itself would throw for the token, raised before any model work.
            #expect(throws: LanguageModelError.tokenOutOfRange(token: 7, vocabularySize: 5), "\(d.name)") {
                try d.decode(DecodingRequest(prompt: [0, 7]), model: model)
            }
            #expect(model.processedTokenCount == 0)
            #expect(throws: LanguageModelError.tokenOutOfRange(token: -2, vocabularySize: 5), "\(d.name)") {
                try d.decode(DecodingRequest(prompt: [0], stop: StopConditions(maxNewTokens: 4, extraEndTokens: [-2])), model: model)
            }
            #expect(throws: DecodingError.invalidParameter(name: "maxNewTokens", message: "must be at least 1, got 0")) {
                try d.decode(DecodingRequest(prompt: [0], stop: StopConditions(maxNewTokens: 0)), model: model)
            }
        }
    }

    @Test func invalidBeamSettingsAreRejected() {
        #expect(throws: DecodingError.invalidParameter(name: "numBeams", message: "must be at least 1, got 0")) {
            try BeamSearchDecoder(numBeams: 0)
        }
        #expect(throws: DecodingError.invalidParameter(name: "numBeams", message: "must be at least 1, got -3")) {
            try BeamSearchDecoder(numBeams: -3)
        }
        #expect(throws: DecodingError.self) { try BeamSearchDecoder(numBeams: 2, numReturnSequences: 3) }
        #expect(throws: DecodingError.self) { try BeamSearchDecoder(noRepeatNgramSize: -1) }
        #expect(throws: DecodingError.self) { try ExhaustiveDecoder(maxExpansions: 0) }
    }

    @Test func topPOutsideTheUnitIntervalIsRejected() throws {
        for p in [-0.5, 0, 1.000001, 2, .nan, .infinity] {
            #expect(throws: DecodingError.self, "topP \(p)") { try SamplingDecoder(topP: p) }
        }
        // The closed end of (0, 1] is allowed: it means no truncation.
        #expect(try SamplingDecoder(topP: 1).topP == 1)
    }

    @Test func exhaustiveSearchOverMoreThanItsBudgetIsABoundedRunThatSaysSo() throws {
        // 12^20 outputs over nearly flat rows: far beyond 50 expansions.
        let model = RandomLanguageModel(seed: 3, vocabularySize: 12, contextLength: 64, spread: 0.1)
        let request = DecodingRequest(prompt: [0], stop: StopConditions(maxNewTokens: 20, stopOnEndToken: false))
        let result = try ExhaustiveDecoder(maxExpansions: 50).decode(request, model: model)
        guard case let .budgetExhausted(expansions, bestFound, upperBound, reason) = result.certificate else {
            Issue.record("expected a budget certificate, got \(String(describing: result.certificate))")
            return
        }
        #expect(expansions == 50 && reason == "maxExpansions (50) reached")
        #expect(model.processedTokenCount == 1 + 49, "the prompt, then one token per expansion after the first")
        // Nothing of length 20 was reached: the best partial output is returned, marked as cut by the budget,
        // and its score is the bound on everything unexplored.
        let best = try #require(result.best)
        #expect(bestFound == nil && best.finishReason == .budget && best.tokens.count < 20)
        #expect(abs(best.score - upperBound) < 1e-12)
    }

    @Test func errorsReadWell() {
        #expect(DecodingError.promptTooLong(promptLength: 3, maxNewTokens: 14, contextLength: 16).description
            == "prompt of 3 tokens plus maxNewTokens 14 exceeds the context length 16")
    }
}
