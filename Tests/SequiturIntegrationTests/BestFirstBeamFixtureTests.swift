import Foundation
import Sequitur
import Testing

/// Best-first beam search on the default model, over the transformers beam fixtures' prompts and settings
/// (`Tests/Fixtures/beam/beam.json`): the same hypotheses and scores as `BeamSearchDecoder` bit for bit, in no
/// more positions fed to the model; the positions both used are printed. A subset of the cases in CI (each
/// case decodes twice).
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct BestFirstBeamFixtureTests {
    static var selectedCases: [BeamFixtureCase] {
        let beams = (BeamFixtureFile.shared?.cases ?? []).filter { ($0.parameters?.numBeams ?? 1) > 1 }
        return Array(beams.prefix(BuildConfiguration.isDebug ? 1 : 8))
    }

    @Test(arguments: selectedCases)
    func equalsBeamSearchInFewerPositions(_ fixture: BeamFixtureCase) throws {
        let file = try #require(BeamFixtureFile.shared)
        let p = try #require(fixture.parameters)
        let request = DecodingRequest(prompt: fixture.prompt, stop: StopConditions(maxNewTokens: file.maxNewTokens))
        let configuration = DecoderConfiguration(name: "best-first-beam", parameters: [
            "numBeams": .int(p.numBeams), "lengthPenalty": .double(p.lengthPenalty), "earlyStopping": .string(p.earlyStopping),
            "numReturnSequences": .int(p.numReturnSequences), "noRepeatNgramSize": .int(p.noRepeatNgramSize),
        ])
        let bestFirst = try DecoderRegistry.standard.make(configuration)
        let (plain, plainPositions, fast, fastPositions) = try SharedDefaultModel.with { base in
            let a = CountingLanguageModel(base, endTokens: Set(file.eosTokenIds))
            let plain = try fixture.beamDecoder().decode(request, model: a)
            let b = CountingLanguageModel(base, endTokens: Set(file.eosTokenIds))
            let fast = try bestFirst.decode(request, model: b)
            return (plain, plain.processedTokens, fast, fast.processedTokens)
        }
        #expect(fast.hypotheses == plain.hypotheses, "\(fixture.name): best-first beam differs from beam search")
        #expect(fastPositions <= plainPositions)
        print("best-first beam \(fixture.name): \(fastPositions) positions, beam search \(plainPositions)")
    }
}
