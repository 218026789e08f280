import Foundation
import Testing
import Sequitur
import SequiturDiagnostics

/// The default model, when the cache has it. Under CI (which runs scripts/bootstrap) its absence is a failure.
enum DefaultModel {
    static var url: URL? {
        let url = ModelLocator.defaultModelURL
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
    static var available: Bool { url != nil || ProcessInfo.processInfo.environment["CI"] != nil }
    static func require() throws -> URL {
        guard let url else { throw ModelLocatorError.defaultModelMissing(ModelLocator.defaultModelURL.path) }
        return url
    }
}

@Suite struct ModelSummaryTests {
    @Test(.enabled(if: DefaultModel.available, "default model not fetched (run ./scripts/bootstrap)"))
    func defaultModelShapeIsWhatTheIssueStates() throws {
        let s = try ModelSummary(file: try GGUFFile(contentsOf: try DefaultModel.require()))
        #expect(s.architecture == "llama")
        #expect(s.tensorCount == 272)
        #expect(s.blockCount == 30)
        #expect(s.embeddingLength == 576)
        #expect(s.headCount == 9)
        #expect(s.keyValueHeadCount == 3)
        #expect(s.tokenizer?.vocabularySize == 49_152)
        #expect(s.tokenizer?.preTokenizer == "smollm")
        #expect(s.tokenizer?.hasChatTemplate == true)
        // Shapes are rows × columns, as the shape errors write them: the embedding is vocabulary × d.
        #expect(s.tensors.first { $0.name == "token_embd.weight" }?.shape == [49_152, 576])
        #expect(s.tensors.first { $0.name == "blk.0.ffn_down.weight" }?.shape == [576, 1536])
        #expect(s.quantization.map(\.tensors).reduce(0, +) == 272)
        #expect(s.quantization.first?.type == "Q4_1")
        #expect(s.refusal == nil, "the default model runs")
    }

    @Test func vocabularyOnlyFileSummarisesWithoutTensors() throws {
        let writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        try writer.addMetadata("tokenizer.ggml.model", .string("gpt2"))
        try writer.addMetadata("tokenizer.ggml.tokens", .array(.string(["a", "b", "<|im_end|>"])))
        try writer.addMetadata("tokenizer.ggml.token_type", .array(.int32([1, 1, 3])))
        try writer.addMetadata("tokenizer.ggml.merges", .array(.string(["a b"])))
        try writer.addMetadata("tokenizer.ggml.eos_token_id", .uint32(2))
        let s = try ModelSummary(file: try GGUFFile(bytes: try writer.serialized()))
        #expect(s.tensorCount == 0)
        #expect(s.tokenizer?.vocabularySize == 3)
        #expect(s.tokenizer?.mergeCount == 1)
        #expect(s.tokenizer?.controlTokens == ["<|im_end|>"])
        #expect(s.tokenizer?.eosTokenID == 2)
        #expect(s.tokenizer?.hasChatTemplate == false)
        #expect(s.refusal?.contains("llama.block_count") == true, "a vocabulary-only file says why it cannot run: \(s.refusal ?? "nil")")
    }

    /// What `sequitur inspect` says of a file that would score silently wrong if it ran: the tensor that
    /// `ModelRuntime` would refuse, named, without loading any weight.
    @Test func aFileWithATensorTheModelDoesNotReadSaysSo() throws {
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 1, extraTensors: ["blk.0.attn_q.bias": [1, 1, 1, 1]]))
        let s = try ModelSummary(file: file)
        #expect(s.refusal?.contains("'blk.0.attn_q.bias'") == true, "\(s.refusal ?? "nil")")
        #expect(s.features.isEmpty, "a refused file lists no features")
        // A tensor of the wrong shape is named from the header too, before any weight is read.
        let misshapen = try ModelSummary(file: GGUFFile(bytes: SyntheticModels.llamaGGUF(
            .tiny, seed: 1, extraTensors: ["rope_freqs.weight": [1, 1, 1]])))
        #expect(misshapen.refusal?.contains("tensor 'rope_freqs.weight' has shape 1 × 3") == true, "\(misshapen.refusal ?? "nil")")
        let plain = try ModelSummary(file: GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 1)))
        #expect(plain.refusal == nil)
        #expect(plain.features.first == "family llama")
        #expect(plain.features.contains("RoPE on adjacent pairs (GGML normal)"))
        #expect(!plain.features.contains { $0.contains("rope_freqs") })
    }

    /// A Llama 3 file says it carries RoPE frequency factors; Qwen files name their biases, norms and pairing.
    @Test func familyFeaturesAreListed() throws {
        let pairs = SyntheticLlamaShape.tiny.embeddingLength / SyntheticLlamaShape.tiny.heads / 2
        let llama3 = try ModelSummary(file: GGUFFile(bytes: SyntheticModels.llamaGGUF(
            .tiny, seed: 1, extraTensors: ["rope_freqs.weight": [Float](repeating: 2, count: pairs)])))
        #expect(llama3.refusal == nil)
        #expect(llama3.features.contains("Llama 3 RoPE frequency factors (rope_freqs.weight, \(pairs) values)"), "\(llama3.features)")
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/families")
        let qwen2 = try ModelSummary(file: GGUFFile(contentsOf: directory.appendingPathComponent("qwen2-Q8_0.gguf")))
        #expect(qwen2.refusal == nil)
        #expect(qwen2.features.contains("Q, K and V biases") && qwen2.features.contains("RoPE on halves (NEOX)"))
        #expect(qwen2.features.contains("output head tied to the token embedding"))
        let qwen3 = try ModelSummary(file: GGUFFile(contentsOf: directory.appendingPathComponent("qwen3-Q8_0.gguf")))
        #expect(qwen3.features.contains("per-head RMSNorm of Q and K"))
        #expect(qwen3.features.contains("head dimension 128 (4 heads over an embedding of 256)"), "\(qwen3.features)")
    }
}
