import Foundation
import Sequitur
import SequiturDiagnostics
import Testing

/// Chat on every family: each family's reference file, given its model's chat template (the one held to
/// transformers in `ChatTemplateFixtureTests`; Gemma 3 shares Gemma 2's turn markup), renders and tokenizes a
/// conversation (byte-level BPE or SentencePiece), scores its assistant turns in one pass, and builds a
/// generation prompt. The turn scores must equal, bitwise, the same tokens' log-probs from a plain pass over
/// the rendered tokens, and the last turn must start where the generation prompt for it ends.
@Suite struct FamilyChatTests {
    static let templates = ["llama3": "llama3", "qwen2": "qwen2.5", "qwen3": "qwen3", "phi3": "phi3.5",
                            "gemma2": "gemma2", "gemma3": "gemma2"]

    static func template(named name: String) throws -> ChatFixtures.Template {
        let all = try ChatFixtures.families + ChatFixtures.others
        return try #require(all.first { $0.name == name }, "no template fixture \(name)")
    }

    /// The turn markers each template writes, as control tokens in place of tokens its conversation never
    /// needs: the references' 320-token vocabularies were trained without them (Qwen's are there already).
    /// Byte-level vocabularies give up unused specials, SentencePiece ones pieces of words not in the texts.
    static let markers: [String: [(id: Int, text: String)]] = [
        "llama3": [(0, "<|start_header_id|>"), (3, "<|end_header_id|>"), (4, "<|eot_id|>")],
        "phi3": [(151, "<|user|>"), (152, "<|assistant|>"), (154, "<|end|>"), (155, "<|system|>")],
        "gemma2": [(151, "<start_of_turn>"), (152, "<end_of_turn>")],
        "gemma3": [(151, "<start_of_turn>"), (152, "<end_of_turn>")],
    ]

    /// The family's F32 reference with `tokenizer.chat_template` added and its template's markers in the
    /// vocabulary.
    static func file(family: String, template: String) throws -> GGUFFile {
        let source = try GGUFFile(contentsOf: FamilyReferenceTests.directory.appendingPathComponent("\(family)-F32.gguf"))
        let writer = try GGUFWriter()
        guard case var .array(.string(tokens))? = source.metadata["tokenizer.ggml.tokens"],
              case var .array(.int32(types))? = source.metadata["tokenizer.ggml.token_type"] else {
            throw GGUFError.missingKey("tokenizer.ggml.tokens")
        }
        for (id, text) in markers[family] ?? [] {
            tokens[id] = text
            types[id] = 3   // control
        }
        try writer.addMetadata("tokenizer.ggml.tokens", .array(.string(tokens)))
        try writer.addMetadata("tokenizer.ggml.token_type", .array(.int32(types)))
        for key in source.metadataKeys where !["tokenizer.chat_template", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type"].contains(key) {
            try writer.addMetadata(key, source.metadata[key]!)
        }
        try writer.addMetadata("tokenizer.chat_template", .string(template))
        for info in source.tensors {
            let w = try source.weight(named: info.name)
            try writer.addTensor(name: info.name, dimensions: info.dimensions, type: w.type, bytes: Array(w.bytes))
        }
        return try GGUFFile(bytes: writer.serialized())
    }

    // Characters every fixture vocabulary covers (its training corpus holds them).
    static let conversation: [ChatMessage] = [
        ChatMessage(role: "user", content: "The cat sat on the mat."),
        ChatMessage(role: "assistant", content: "The dog sat on the log."),
        ChatMessage(role: "user", content: "Hello there! How can I help?"),
        ChatMessage(role: "assistant", content: "1 2 3 4 5"),
    ]

    @Test(arguments: templates.keys.sorted())
    func conversationsScoreAndPromptOnEveryFamily(family: String) throws {
        let fixture = try Self.template(named: Self.templates[family]!)
        let file = try Self.file(family: family, template: fixture.template)
        let tokenizer = try BPETokenizer(gguf: file)
        let model = try ArchitectureRegistry.standard.makeModel(file: file, backend: CPUBackend(threads: 2), vocabulary: tokenizer)
        let renderer = try ChatTemplateConversationRenderer(gguf: file, tokenizer: tokenizer,
                                                            extraVariables: fixture.variables ?? [:])
        let scorer = ConversationScorer()
        let layout = try scorer.layout(Self.conversation, renderer: renderer)
        let score = try #require(try scorer.score(layouts: [layout], model: model).first)
        #expect(score.turns.map(\.messageIndex) == [1, 3])
        for turn in score.turns {
            #expect(!turn.tokens.isEmpty && turn.logProb.isFinite && turn.logProb < 0, "\(family): turn \(turn.messageIndex)")
        }

        // The same positions from a plain pass over every rendered token.
        let tokens = layout.tokens
        let plain = try model.extend([ExtensionRequest(state: model.makeState(), tokens: tokens,
                                                       queries: tokens.indices.map { $0 + 1 < tokens.count ? .target(tokens[$0 + 1]) : nil })])[0]
        for turn in score.turns {
            let direct = turn.tokenRange.map { plain.answers[$0 - 1]!.targetLogProbs[0] }
            #expect(bitwiseEqual(direct, turn.tokenLogProbs), "\(family): turn \(turn.messageIndex)")
        }

        // The generation prompt after the last user turn (what `generate --chat` feeds) is where the last
        // turn's scored tokens start.
        let prompt = try renderer.tokenize(renderer.render(Array(Self.conversation.prefix(3)), addGenerationPrompt: true)).tokens
        #expect(Array(tokens.prefix(prompt.count)) == prompt, "\(family): the prompt is not a prefix of the conversation")
        #expect(score.turns.last?.tokenRange.lowerBound == prompt.count, "\(family)")
    }

    private func bitwiseEqual(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
