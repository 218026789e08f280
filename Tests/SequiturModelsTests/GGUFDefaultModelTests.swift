import Foundation
import SequiturCore
import SequiturModels
import Testing

/// The real default model (SmolLM2-135M-Instruct, Q4_1) reads as gguf-py reads it.
@Suite(.enabled(if: GGUFTestSupport.shouldRunModelTests, "default model not present (set CI to require it)"))
struct GGUFDefaultModelTests {
    @Test func headerMatchesTheModelCard() throws {
        let file = try GGUFFile(contentsOf: try GGUFTestSupport.requireDefaultModel())
        #expect(file.version == 3)
        #expect(file.tensors.count == 272)
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.int("llama.block_count") == 30)
        #expect(try file.int("llama.embedding_length") == 576)
        #expect(try file.int("llama.attention.head_count") == 9)
        #expect(try file.int("llama.attention.head_count_kv") == 3)
        #expect(try file.stringArray("tokenizer.ggml.tokens").count == 49_152)
        #expect(try file.string("tokenizer.ggml.model") == "gpt2")
        #expect(file.metadataKeys.count == file.metadata.count)
        #expect(file.metadataKeys.first == "general.architecture")

        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.dimensions == [576, 49_152])
        let weight = try file.weight(named: "blk.0.attn_q.weight")
        #expect(weight.columns == 576 && weight.rows == 576)
        #expect(weight.bytes.count == weight.rows * weight.rowBytes)
    }
}
