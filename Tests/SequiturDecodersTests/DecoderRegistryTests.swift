import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// A decoder from "outside the package": always emits the same token, to show registration end to end.
struct ConstantDecoder: Decoder {
    let token: TokenID
    var name: String { "constant" }
    func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let state = model.makeState()
        let answer = try model.extend([ExtensionRequest(state: state, tokens: request.prompt,
                                                        lastQuery: .target(token))])[0].last!
        return DecodingResult(hypotheses: [Hypothesis(tokens: [token], tokenLogProbs: answer.targetLogProbs,
                                                      finishReason: .length)])
    }
}

@Suite struct DecoderRegistryTests {
    let registry = DecoderRegistry.standard

    @Test func standardHasEveryDecoderWithDocumentedParameters() throws {
        #expect(registry.names == ["beam", "best-first-beam", "diverse-beam", "exhaustive", "greedy", "mbr", "sampling", "speculative", "stochastic-beam"])
        for entry in registry.all {
            #expect(!entry.summary.isEmpty)
            for p in entry.parameters { #expect(!p.help.isEmpty, "\(entry.name).\(p.name) has no help") }
        }
        #expect(try registry.entry(named: "beam").parameters.map(\.name)
            == ["numBeams", "lengthPenalty", "earlyStopping", "numReturnSequences", "noRepeatNgramSize"])
    }

    @Test func buildsEachDecoderFromItsConfiguration() throws {
        let beam = try #require(try registry.make(DecoderConfiguration(
            name: "beam", parameters: ["numBeams": 3, "lengthPenalty": 2, "earlyStopping": true])) as? BeamSearchDecoder)
        #expect(beam.numBeams == 3)
        #expect(beam.lengthPenalty == 2.0)
        #expect(beam.earlyStopping == .always)
        #expect(try (registry.make(DecoderConfiguration(name: "beam", parameters: ["earlyStopping": "never"]))
            as? BeamSearchDecoder)?.earlyStopping == .never)
        let sampling = try #require(try registry.make(DecoderConfiguration(
            name: "sampling", parameters: ["temperature": 0.7, "topP": 0.9, "seed": 7])) as? SamplingDecoder)
        #expect(sampling.temperature == 0.7 && sampling.topP == 0.9 && sampling.seed == 7 && sampling.topK == 0)
        #expect(try registry.make(DecoderConfiguration(name: "greedy")) is GreedyDecoder)
        let exhaustive = try #require(try registry.make(DecoderConfiguration(
            name: "exhaustive", parameters: ["maxExpansions": 50])) as? ExhaustiveDecoder)
        #expect(exhaustive.maxExpansions == 50)
    }

    @Test func unknownNameListsTheValidOnes() {
        #expect(throws: ConfigurationError.unknownName(path: "decoder.name", name: "beem",
                                                       valid: ["beam", "best-first-beam", "diverse-beam", "exhaustive", "greedy", "mbr", "sampling", "speculative", "stochastic-beam"])) {
            try registry.make(DecoderConfiguration(name: "beem"))
        }
    }

    @Test func unknownParameterListsTheValidOnes() {
        #expect(throws: ConfigurationError.unknownKey(
            path: "decoder.parameters", key: "numBeam",
            valid: ["numBeams", "lengthPenalty", "earlyStopping", "numReturnSequences", "noRepeatNgramSize"])) {
            try registry.make(DecoderConfiguration(name: "beam", parameters: ["numBeam": 4]))
        }
        #expect(throws: ConfigurationError.unknownKey(path: "decoder.parameters", key: "numBeams", valid: [])) {
            try registry.make(DecoderConfiguration(name: "greedy", parameters: ["numBeams": 4]))
        }
    }

    @Test func wrongTypesAndValuesNameTheField() {
        #expect(throws: ConfigurationError.typeMismatch(path: "decoder.parameters.numBeams", expected: "an integer",
                                                        got: "\"four\"")) {
            try registry.make(DecoderConfiguration(name: "beam", parameters: ["numBeams": "four"]))
        }
        #expect(throws: ConfigurationError.typeMismatch(path: "decoder.parameters.earlyStopping",
                                                        expected: "one of true, false, never", got: "\"sometimes\"")) {
            try registry.make(DecoderConfiguration(name: "beam", parameters: ["earlyStopping": "sometimes"]))
        }
        #expect(throws: ConfigurationError.invalidValue(path: "decoder.parameters.numBeams",
                                                        message: "must be at least 1, got 0")) {
            try registry.make(DecoderConfiguration(name: "beam", parameters: ["numBeams": 0]))
        }
        #expect(throws: ConfigurationError.invalidValue(path: "decoder.parameters.topP",
                                                        message: "must be in (0, 1], got 1.5")) {
            try registry.make(DecoderConfiguration(name: "sampling", parameters: ["topP": 1.5]))
        }
    }

    @Test func codeOutsideThePackageRegistersItsOwnDecoder() throws {
        var mine = DecoderRegistry.standard
        mine.register(name: "constant", summary: "always the same token",
                      parameters: [ParameterSpec("token", .integer, default: 1, help: "the token to emit")]) {
            ConstantDecoder(token: TokenID(try $0.integer("token")))
        }
        #expect(mine.names.contains("constant"))
        #expect(!DecoderRegistry.standard.names.contains("constant"))   // standard is a fresh copy each time
        let decoder = try mine.make(DecoderConfiguration(name: "constant", parameters: ["token": 2]))
        let model = RandomLanguageModel(seed: 1, vocabularySize: 5)
        let best = try decoder.decode(DecodingRequest(prompt: [0]), model: model).best!
        #expect(best.tokens == [2])
        #expect(best.tokenLogProbs == [model.logProbs(after: [0])[2]])
        #expect(throws: ConfigurationError.typeMismatch(path: "decoder.parameters.token", expected: "an integer",
                                                        got: "true")) {
            try mine.make(DecoderConfiguration(name: "constant", parameters: ["token": true]))
        }
    }
}
