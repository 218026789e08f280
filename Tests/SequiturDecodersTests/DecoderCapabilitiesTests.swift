import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

@Suite struct DecoderCapabilitiesTests {
    let registry = DecoderRegistry.standard

    @Test func builtInDecodersDeclareWhatTheyDo() throws {
        #expect(try registry.entry(named: "greedy").capabilities == .streamsTokens)
        #expect(try registry.entry(named: "sampling").capabilities == .streamsTokens)
        #expect(try registry.entry(named: "beam").capabilities == .returnsNBest)
        #expect(try registry.entry(named: "exhaustive").capabilities == [.returnsNBest, .certifiesOptimality])
        #expect(try registry.entry(named: "exhaustive").capabilities.names == ["n-best", "certificate"])
        // The entry (for listings) and the built decoder (for callers holding one) say the same.
        for entry in registry.all {
            #expect(try registry.make(DecoderConfiguration(name: entry.name)).capabilities == entry.capabilities, "\(entry.name)")
        }
        // A decoder that declares nothing claims nothing.
        #expect(ConstantDecoder(token: 1).capabilities.isEmpty)
    }

    @Test func decodersThatClaimStreamingCallOnTokenAndTheOthersDoNot() throws {
        let model = RandomLanguageModel(seed: 4, vocabularySize: 7)
        for entry in registry.all {
            var calls = 0
            let request = DecodingRequest(prompt: [1, 2], stop: StopConditions(maxNewTokens: 3, stopOnEndToken: false),
                                          onToken: { _, _ in calls += 1; return true })
            let result = try registry.make(DecoderConfiguration(name: entry.name)).decode(request, model: model)
            #expect(calls == (entry.capabilities.contains(.streamsTokens) ? result.best!.tokens.count : 0), "\(entry.name)")
            #expect((result.certificate != nil) == entry.capabilities.contains(.certifiesOptimality), "\(entry.name)")
        }
    }

    @Test func widthAndReturnedCountParametersAreDeclared() throws {
        #expect(try registry.entry(named: "beam").widthParameter == "numBeams")
        #expect(try registry.entry(named: "beam").returnedSequencesParameter == "numReturnSequences")
        #expect(try registry.entry(named: "exhaustive").widthParameter == nil)
        #expect(try registry.entry(named: "exhaustive").returnedSequencesParameter == "numReturnSequences")
        #expect(registry.decodersWithWidth.map(\.name) == ["beam", "best-first-beam", "diverse-beam", "stochastic-beam"])
    }

    @Test func aWidthAloneSwitchesToTheDecoderThatDeclaresOne() throws {
        let c = try registry.settingWidth(3, in: DecoderConfiguration(name: "greedy"), decoderIsFixed: false)
        #expect(c == DecoderConfiguration(name: "beam", parameters: ["numBeams": .int(3)]))
        // A configured beam keeps its other settings.
        let tuned = DecoderConfiguration(name: "beam", parameters: ["lengthPenalty": .double(0.5)])
        #expect(try registry.settingWidth(2, in: tuned, decoderIsFixed: false).parameters
            == ["lengthPenalty": .double(0.5), "numBeams": .int(2)])
        // A decoder the user named must have a width.
        #expect(throws: ConfigurationError.invalidValue(
            path: "decoder.name", message: "'greedy' has no width parameter; decoders with one: beam, best-first-beam, diverse-beam, stochastic-beam")) {
            try registry.settingWidth(3, in: DecoderConfiguration(name: "greedy"), decoderIsFixed: true)
        }
        #expect(throws: ConfigurationError.self) {
            try registry.settingWidth(3, in: DecoderConfiguration(name: "nonesuch"), decoderIsFixed: true)
        }
    }

    @Test func theWidthIsFoundByDeclarationNotByName() throws {
        // A registry without beam whose only width decoder is registered from outside, under another name.
        var custom = DecoderRegistry()
        custom.register(name: "greedy", parameters: [], capabilities: .streamsTokens) { _ in GreedyDecoder() }
        custom.register(name: "wide", parameters: [ParameterSpec("span", .integer, default: 2, help: "kept"),
                                                   ParameterSpec("keep", .integer, default: 1, help: "returned")],
                        widthParameter: "span", returnedSequencesParameter: "keep") { c in
            try BeamSearchDecoder(numBeams: c.integer("span"), numReturnSequences: c.integer("keep"))
        }
        let c = try custom.settingWidth(5, in: DecoderConfiguration(name: "greedy"), decoderIsFixed: false)
        #expect(c == DecoderConfiguration(name: "wide", parameters: ["span": .int(5)]))
        #expect(custom.returningEveryKeptHypothesis(c).parameters == ["span": .int(5), "keep": .int(5)])
        // Two decoders with a width: the caller must say which.
        custom.register(name: "wider", parameters: [ParameterSpec("n", .integer, default: 2, help: "kept")],
                        widthParameter: "n") { _ in GreedyDecoder() }
        #expect(throws: ConfigurationError.self) {
            try custom.settingWidth(5, in: DecoderConfiguration(name: "greedy"), decoderIsFixed: false)
        }
        #expect(try custom.settingWidth(5, in: DecoderConfiguration(name: "wider"), decoderIsFixed: true).parameters == ["n": .int(5)])
    }

    @Test func returningEveryKeptHypothesisUsesTheWidthOrItsDefault() throws {
        let beam = DecoderConfiguration(name: "beam", parameters: ["numBeams": .int(3)])
        #expect(registry.returningEveryKeptHypothesis(beam).parameters["numReturnSequences"] == .int(3))
        #expect(registry.returningEveryKeptHypothesis(DecoderConfiguration(name: "beam")).parameters["numReturnSequences"] == .int(4))
        var chosen = beam
        chosen.parameters["numReturnSequences"] = .int(1)
        #expect(registry.returningEveryKeptHypothesis(chosen) == chosen)
        // Without a width nothing is returned beyond what was asked.
        #expect(registry.returningEveryKeptHypothesis(DecoderConfiguration(name: "exhaustive")) == DecoderConfiguration(name: "exhaustive"))
        #expect(registry.returningEveryKeptHypothesis(DecoderConfiguration(name: "greedy")) == DecoderConfiguration(name: "greedy"))
        let built = try registry.make(registry.returningEveryKeptHypothesis(beam))
        #expect((built as? BeamSearchDecoder)?.numReturnSequences == 3)
    }
}
