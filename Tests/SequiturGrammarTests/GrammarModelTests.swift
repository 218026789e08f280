import Foundation
import Sequitur
import Testing

/// Grammars on the real default model, each output checked by the test oracles rather than by the automaton
/// that produced it: JSON under a schema parses with Foundation and validates with `ReferenceSchemaValidator`,
/// text under each of llama.cpp's grammar files is accepted by `ReferenceGBNFRecogniser`, and exhaustive search
/// under a grammar returns a certified sentence the grammar admits, at least as likely as greedy's and beam's.
@Suite(.serialized, .enabled(if: GrammarTestModel.shouldRun, "default model not present (set CI to require it)"))
struct GrammarModelTests {
    private func model() throws -> (model: LlamaModel, tokenizer: BPETokenizer) { try GrammarTestModel.load() }

    static let grammarFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/grammars").standardized

    static let schema = """
        {"type": "object", "additionalProperties": false, "required": ["title", "year", "genres"],
         "properties": {"title": {"type": "string", "maxLength": 30}, "year": {"type": "integer"},
                        "genres": {"type": "array", "items": {"enum": ["drama", "comedy", "science fiction"]},
                                   "minItems": 1, "maxItems": 2}}}
        """

    private func decode(_ prompt: String, _ decoder: any Decoder, processor: GrammarProcessor,
                        maxNewTokens: Int) throws -> [(text: String, hypothesis: Hypothesis)] {
        let (model, tokenizer) = try model()
        let request = DecodingRequest(prompt: tokenizer.encode(prompt), stop: StopConditions(maxNewTokens: maxNewTokens),
                                      processors: [processor])
        return try decoder.decode(request, model: model).hypotheses.map { (tokenizer.decode($0.tokens, skipSpecial: true), $0) }
    }

    @Test func schemaOutputsParseAndValidate() throws {
        let validator = try ReferenceSchemaValidator(schema: Self.schema)
        let processor = try GrammarProcessor(jsonSchema: Self.schema)
        for decoder in [GreedyDecoder() as any Decoder, try BeamSearchDecoder(numBeams: 4, numReturnSequences: 4)] {
            let outputs = try decode("A JSON object describing a film:\n", decoder, processor: processor, maxNewTokens: 64)
            #expect(!outputs.isEmpty)
            for (text, h) in outputs {
                #expect(h.finishReason == .endToken, "\(decoder.name): \(h.finishReason) \(text)")
                let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
                #expect(parsed is [String: Any], "\(decoder.name): not a JSON object: \(text)")
                #expect(validator.validates(text), "\(decoder.name): does not validate: \(text)")
            }
        }
    }

    /// Each grammar of llama.cpp's grammars folder, with a prompt that invites it: greedy's output is a sentence
    /// (or, cut off by the token limit, is reported incomplete).
    @Test(arguments: [
        ("json", "A JSON object describing a book:\n"), ("json_arr", "A JSON list of three fruits:\n"),
        ("list", "A shopping list:\n"), ("arithmetic", "An arithmetic expression: "),
        ("c", "A C program that prints hello:\n"), ("chess", "The moves of a chess game: "),
        ("english", "An English sentence: "), ("japanese", "A Japanese sentence: "),
    ])
    func llamaCppGrammarOutputsAreSentences(name: String, prompt: String) throws {
        let gbnf = try String(contentsOf: Self.grammarFolder.appendingPathComponent("\(name).gbnf"), encoding: .utf8)
        let reference = try ReferenceGBNFRecogniser(gbnf: gbnf)
        let outputs = try decode(prompt, GreedyDecoder(), processor: try GrammarProcessor(gbnf: gbnf), maxNewTokens: 48)
        let (text, h) = try #require(outputs.first)
        print("grammar \(name): \(h.tokens.count) tokens, \(h.finishReason): \(text.debugDescription)")
        #expect(!h.tokens.isEmpty)
        switch h.finishReason {
        case .endToken, .length:
            #expect(reference.accepts(text), "\(name): the reference recogniser rejects \(text.debugDescription)")
        case .incomplete:
            // Cut off by the limit inside a sentence: what came out must still lead to one.
            let tokenizer = try model().tokenizer
            let prefix = Self.completeCharacters(h.tokens.flatMap { tokenizer.bytes(of: $0) })
            #expect(!reference.accepts(prefix) && reference.acceptsPrefix(prefix),
                    "\(name): the reference recogniser says \(prefix.debugDescription) leads to no sentence")
        default:
            Issue.record("\(name): unexpected finish \(h.finishReason)")
        }
    }

    /// `bytes` as text, less a character the last token left unfinished (a cut-off output may end inside one).
    static func completeCharacters(_ bytes: [UInt8]) -> String {
        var end = bytes.count
        if let lead = bytes.lastIndex(where: { $0 & 0xC0 != 0x80 }), bytes[lead] >= 0xC0 {
            let length = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : 2
            if bytes.count - lead < length { end = lead }
        }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The worked example of the closing note: the most likely document of a two-field schema, proven, beside
    /// what greedy and beam 4 find under the same grammar.
    @Test func exhaustiveUnderASchemaIsCertifiedAndAtLeastAsLikely() throws {
        let schema = """
            {"type": "object", "additionalProperties": false, "required": ["country", "capital"],
             "properties": {"country": {"enum": ["France", "Italy", "Spain", "Germany"]},
                            "capital": {"enum": ["Paris", "Rome", "Madrid", "Berlin"]}}}
            """
        let validator = try ReferenceSchemaValidator(schema: schema)
        let prompt = #"The capital of France, as JSON: {"country": "France", "capital": "Paris"}. The capital of Italy, as JSON: "#
        let processor = try GrammarProcessor(jsonSchema: schema)
        let (model, tokenizer) = try model()
        let request = DecodingRequest(prompt: tokenizer.encode(prompt), stop: StopConditions(maxNewTokens: 32), processors: [processor])
        let exact = try ExhaustiveDecoder(maxExpansions: 3_000).decode(request, model: model)
        let best = try #require(exact.best)
        let text = tokenizer.decode(best.tokens, skipSpecial: true)
        guard case let .provenOptimal(expansions) = exact.certificate else {
            Issue.record("not proven: \(String(describing: exact.certificate))")
            return
        }
        #expect(validator.validates(text), "\(text)")
        var line = "exhaustive (\(expansions) expansions, proven): \(text) log Pr \(best.logProb)"
        for decoder in [GreedyDecoder() as any Decoder, try BeamSearchDecoder(numBeams: 4)] {
            let other = try #require(try decoder.decode(request, model: model).best)
            #expect(other.logProb <= best.logProb + 1e-4, "\(decoder.name) beat the proven optimum")
            line += "; \(decoder.name): \(tokenizer.decode(other.tokens, skipSpecial: true)) log Pr \(other.logProb)"
        }
        print(line)
    }
}

/// The default model and its tokenizer, loaded once for `GrammarModelTests` (a serialised suite: one decode at
/// a time, so the unsynchronised cache is safe).
enum GrammarTestModel {
    static var shouldRun: Bool {
        FileManager.default.fileExists(atPath: ModelLocator.defaultModelURL.path)
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    nonisolated(unsafe) private static var loaded: (model: LlamaModel, tokenizer: BPETokenizer)?

    static func load() throws -> (model: LlamaModel, tokenizer: BPETokenizer) {
        if let loaded { return loaded }
        let file = try GGUFFile(contentsOf: ModelLocator.resolve(nil))
        let tokenizer = try BPETokenizer(gguf: file)
        let model = (try LlamaModel(file: file, backend: CPUBackend(threads: 2), vocabulary: tokenizer), tokenizer)
        loaded = model
        return model
    }
}
