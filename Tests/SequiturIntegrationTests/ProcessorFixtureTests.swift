import Foundation
import Sequitur
import Testing

/// The shipped processors under GreedyDecoder and BeamSearchDecoder on the real default model, against what
/// transformers' `generate()` returned with the matching arguments (`repetition_penalty`,
/// `no_repeat_ngram_size`, `min_new_tokens`, `bad_words_ids`, `sequence_bias`; `Tests/Fixtures/processors/processors.json`):
/// the same sequences and scores within 1e-3, near-ties in the reference reported as in `BeamFixtureTests`.
/// Greedy hands processors raw logits and beam search log-probs, as transformers does, so the repetition
/// penalty (which scales scores) agrees under both.
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct ProcessorFixtureTests {
    static var selectedCases: [BeamFixtureCase] {
        let cases = BeamFixtureFile.processors?.cases ?? []
        return BuildConfiguration.isDebug ? Array(cases.prefix(2)) : cases
    }

    @Test(arguments: selectedCases)
    func decodesLikeTransformers(_ fixture: BeamFixtureCase) throws {
        let file = try #require(BeamFixtureFile.processors)
        let processors = try ProcessorRegistry.standard.make(fixture.processors ?? [])
        let request = DecodingRequest(prompt: fixture.prompt, stop: StopConditions(maxNewTokens: file.maxNewTokens),
                                      processors: processors)
        let decoders: [any Decoder] = fixture.decoder == "greedy"
            ? [GreedyDecoder(), try fixture.beamDecoder()] : [try fixture.beamDecoder()]
        for decoder in decoders {
            let result = try SharedDefaultModel.with { base in
                try decoder.decode(request, model: CountingLanguageModel(base, endTokens: Set(file.eosTokenIds)))
            }
            try BeamFixtureTests.compare(result, with: fixture, decoder: decoder)
        }
    }
}
