import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// Limits near `Int.max` (a typo, or a hostile configuration) are refused with a clear error, never an
/// arithmetic trap or an allocation sized by them.
@Suite struct HugeLimitTests {
    @Test func maxNewTokensNearIntMaxIsRefusedNotOverflowed() {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5, contextLength: 16)
        for d in BadInputTests.decoders {
            #expect(throws: DecodingError.promptTooLong(promptLength: 2, maxNewTokens: Int.max, contextLength: 16), "\(d.name)") {
                try d.decode(DecodingRequest(prompt: [1, 2], stop: StopConditions(maxNewTokens: Int.max)), model: model)
            }
        }
    }

    /// Over 5 tokens there are 5 + 25 = 30 outputs of at most 2 tokens: no beam wider than that can be filled.
    @Test(arguments: [31, 1_000_000, 1 << 62, Int.max])
    func aBeamWiderThanEveryPossibleOutputIsRefusedBeforeAnyWork(numBeams: Int) throws {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        let beam = try BeamSearchDecoder(numBeams: numBeams)
        let message = "\(numBeams) is more beams than the 30 distinct outputs of at most 2 tokens over 5 tokens"
        #expect(throws: DecodingError.invalidParameter(name: "numBeams", message: message)) {
            try beam.decode(DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 2)), model: model)
        }
        #expect(model.processedTokenCount == 0)
    }

    @Test func aBeamAsWideAsEveryPossibleOutputStillRuns() throws {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        let result = try BeamSearchDecoder(numBeams: 30).decode(DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 2)), model: model)
        #expect(result.best != nil)
    }

    @Test func distinctOutputsSaturateInsteadOfOverflowing() {
        #expect(BeamSearchDecoder.distinctOutputs(vocabularySize: 5, maxLength: 2) == 30)
        #expect(BeamSearchDecoder.distinctOutputs(vocabularySize: 1, maxLength: 7) == 7)
        #expect(BeamSearchDecoder.distinctOutputs(vocabularySize: 49_152, maxLength: 8) == .max)
    }
}
