import Sequitur
import Testing

/// The configuration's `processors:` list: read in order, every mistake named by its whole path.
@Suite struct ProcessorConfigurationTests {
    @Test func readsTheListInOrder() throws {
        let c = try ConfigurationLoader.parse("""
            processors:
              - { name: repetition-penalty, parameters: { penalty: 1.3 } }
              - name: bad-words
                parameters: { sequences: [[1, 2], [3]] }
              - { name: logit-bias, parameters: { bias: { "5": -2, 7: 1 } } }
              - { name: suppress-tokens }
            """)
        #expect(c.processors.map(\.name) == ["repetition-penalty", "bad-words", "logit-bias", "suppress-tokens"])
        let built = try ProcessorRegistry.standard.make(c.processors)
        #expect((built[0] as? RepetitionPenaltyProcessor)?.penalty == 1.3)
        #expect((built[1] as? BadWordsProcessor)?.sequences == [[1, 2], [3]])
        #expect((built[2] as? LogitBiasProcessor)?.bias == [5: -2, 7: 1])
        #expect((built[3] as? SuppressTokensProcessor)?.tokens == [])
        #expect(try ConfigurationLoader.parse(#"{"processors": []}"#).processors.isEmpty)
    }

    @Test func badValuesNameTheirPath() {
        #expect(throws: ConfigurationError.invalidValue(path: "processors[1].parameters.penalty", message: "must be a positive number, got 0.0")) {
            try ConfigurationLoader.parse("processors: [{ name: min-new-tokens }, { name: repetition-penalty, parameters: { penalty: 0 } }]")
        }
        #expect(throws: ConfigurationError.typeMismatch(path: "processors[0].parameters.penalty", expected: "a number", got: "\"high\"")) {
            try ConfigurationLoader.parse("processors: [{ name: presence-penalty, parameters: { penalty: high } }]")
        }
        #expect(throws: ConfigurationError.typeMismatch(path: "processors[0].parameters.sequences[1]", expected: "a list of integers", got: "[1, \"x\"]")) {
            try ConfigurationLoader.parse("processors: [{ name: bad-words, parameters: { sequences: [[1], [1, x]] } }]")
        }
        #expect(throws: ConfigurationError.typeMismatch(path: "processors[0].parameters.bias.the", expected: "an integer key", got: "\"the\"")) {
            try ConfigurationLoader.parse("processors: [{ name: logit-bias, parameters: { bias: { the: 1 } } }]")
        }
        #expect(throws: ConfigurationError.invalidValue(path: "processors[0].parameters.sequences[0]", message: "a banned sequence needs at least one token")) {
            try ConfigurationLoader.parse("processors: [{ name: bad-words, parameters: { sequences: [[]] } }]")
        }
    }

    @Test func unknownKeysAndNamesListTheValidOnes() {
        #expect(throws: ConfigurationError.unknownKey(path: "processors[0]", key: "params", valid: ProcessorConfiguration.fieldNames)) {
            try ConfigurationLoader.parse("processors: [{ name: min-new-tokens, params: {} }]")
        }
        #expect(throws: ConfigurationError.unknownKey(path: "processors[0].parameters", key: "size", valid: ["penalty"])) {
            try ConfigurationLoader.parse("processors: [{ name: repetition-penalty, parameters: { size: 2 } }]")
        }
        #expect(throws: ConfigurationError.unknownName(path: "processors[1].name", name: "top-k", valid: ProcessorRegistry.standard.names)) {
            try ConfigurationLoader.parse("processors: [{ name: suppress-tokens }, { name: top-k }]")
        }
        #expect(throws: ConfigurationError.typeMismatch(path: "processors", expected: "a list of {name, parameters}", got: "a mapping")) {
            try ConfigurationLoader.parse("processors: { name: suppress-tokens }")
        }
    }

    @Test func aProcessorRegisteredOutsideIsBuiltByName() throws {
        var registry = ProcessorRegistry.standard
        registry.register(name: "ban-first", summary: "bans token 0", parameters: []) { _ in SuppressTokensProcessor(tokens: [0]) }
        let c = try ConfigurationLoader.parse("processors: [{ name: ban-first }]", processors: registry)
        #expect(try registry.make(c.processors).count == 1)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("processors: [{ name: ban-first }]") }
    }
}
