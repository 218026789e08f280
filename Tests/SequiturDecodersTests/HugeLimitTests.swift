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

    @Test(arguments: [6, 1_000_000, 1 << 62, Int.max])
    func aBeamWiderThanTheVocabularyIsRefusedBeforeAnyWork(numBeams: Int) throws {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        let beam = try BeamSearchDecoder(numBeams: numBeams)
        #expect(throws: DecodingError.invalidParameter(name: "numBeams", message: "\(numBeams) is more beams than the 5 tokens of the vocabulary")) {
            try beam.decode(DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 2)), model: model)
        }
        #expect(model.processedTokenCount == 0)
    }

    @Test func aBeamAsWideAsTheVocabularyStillRuns() throws {
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        let result = try BeamSearchDecoder(numBeams: 5).decode(DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 2)), model: model)
        #expect(result.best != nil)
    }
}
