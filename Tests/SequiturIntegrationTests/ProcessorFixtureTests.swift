import Foundation
import Sequitur
import Testing

/// The shipped processors under GreedyDecoder and BeamSearchDecoder on the real default model, against what
/// transformers' `generate()` returned with the matching arguments (`repetition_penalty`,
/// `no_repeat_ngram_size`, `min_new_tokens`, `bad_words_ids`; `Tests/Fixtures/processors/processors.json`):
/// the same sequences and scores within 1e-3, near-ties in the reference reported as in `BeamFixtureTests`.
///
/// Greedy repetition-penalty cases are the exception: transformers' greedy search penalises raw logits, our
/// processors see log-probs (see `LogitProcessor`), so those are decoded and reported, not required to agree.
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
        let onLogits = fixture.decoder == "greedy" && processors.contains { $0 is RepetitionPenaltyProcessor }
        for decoder in decoders {
            let result = try SharedDefaultModel.with { base in
                try decoder.decode(request, model: CountingLanguageModel(base, endTokens: Set(file.eosTokenIds)))
            }
            if onLogits {
                let same = result.best?.tokens == fixture.hypotheses.first?.tokens
                print("processor fixture \(fixture.name) [\(decoder.name)]: transformers penalises logits here, "
                      + (same ? "same tokens" : "tokens differ"))
                continue
            }
            try BeamFixtureTests.compare(result, with: fixture, decoder: decoder)
        }
    }
}
