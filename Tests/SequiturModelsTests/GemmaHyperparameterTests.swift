import SequiturArchitectures
import SequiturCore
import SequiturGGUF
import Testing

/// How Gemma 2 and 3 files are read: llama.cpp's defaults where a key is absent (window 4096 and caps 50/30
/// for Gemma 2, a pattern of 6 and a local RoPE base of 10,000 for Gemma 3), the file's values where present,
/// and a refusal naming the key where a value cannot be right or the family does not read it.
@Suite struct GemmaHyperparameterTests {
    static func metadata(_ family: TransformerFamily, layers: Int, _ extra: [String: GGUFValue] = [:]) -> [String: GGUFValue] {
        let a = family.architecture
        var m: [String: GGUFValue] = [
            "general.architecture": .string(a), "\(a).block_count": .uint32(UInt32(layers)),
            "\(a).embedding_length": .uint32(256), "\(a).feed_forward_length": .uint32(512),
            "\(a).attention.head_count": .uint32(4), "\(a).attention.head_count_kv": .uint32(2),
            "\(a).attention.key_length": .uint32(64), "\(a).attention.value_length": .uint32(64),
            "\(a).attention.layer_norm_rms_epsilon": .float32(1e-6), "\(a).context_length": .uint32(8192),
            "\(a).vocab_size": .uint32(320), "\(a).rope.freq_base": .float32(1_000_000),
        ]
        for (k, v) in extra { m[k] = v }
        return m
    }

    static func read(_ family: TransformerFamily, layers: Int, _ extra: [String: GGUFValue] = [:]) throws -> LlamaHyperparameters {
        let m = metadata(family, layers: layers, extra)
        return try LlamaHyperparameters(metadata: { m[$0] }, family: family)
    }

    @Test func gemma2DefaultsAreLlamaCpps() throws {
        let hp = try Self.read(.gemma2, layers: 5)
        #expect(hp.attentionSoftCap == 50 && hp.finalLogitSoftCap == 30)
        let local = try #require(hp.localAttention)
        #expect(local.window == 4096 && local.layers == [true, false, true, false, true])
        #expect(local.ropeBase == 1_000_000, "Gemma 2's local layers share the global base")
        #expect(hp.attentionVariant(layer: 0) == AttentionVariant(window: 4096, scoreSoftCap: 50))
        #expect(hp.attentionVariant(layer: 1) == AttentionVariant(window: nil, scoreSoftCap: 50))
        #expect(hp.embeddingScale == Float(256).squareRoot())
        #expect(hp.attentionScale == 1 / Float(64).squareRoot())
        #expect(hp.exactContextLength == 8192, "windowed attention is computed, not capped")
    }

    @Test func gemma2ReadsItsKeys() throws {
        let hp = try Self.read(.gemma2, layers: 4, [
            "gemma2.attention.sliding_window": .uint32(8), "gemma2.attn_logit_softcapping": .float32(5),
            "gemma2.final_logit_softcapping": .float32(0), "gemma2.rope.freq_base_swa": .float32(10_000),
        ])
        #expect(hp.attentionSoftCap == 5 && hp.finalLogitSoftCap == nil, "a cap of 0 is none")
        #expect(hp.localAttention == .init(window: 8, layers: [true, false, true, false], ropeBase: 10_000, ropePositionScale: 1))
        #expect(hp.localRotary?.base == 10_000 && hp.rotary().base == 1_000_000)
    }

    @Test func gemma3PatternAndLocalBase() throws {
        #expect(try Self.read(.gemma3, layers: 7).localAttention == nil, "no window key: every layer is global")
        let hp = try Self.read(.gemma3, layers: 13, ["gemma3.attention.sliding_window": .uint32(512),
                                                     "gemma3.rope.scaling.type": .string("linear"),
                                                     "gemma3.rope.scaling.factor": .float32(8)])
        let local = try #require(hp.localAttention)
        #expect(local.layers == (0..<13).map { $0 % 6 < 5 })
        #expect(local.ropeBase == 10_000 && local.ropePositionScale == 1, "linear scaling is for the global layers")
        #expect(hp.ropePositionScale == 0.125)
        #expect(hp.attentionSoftCap == nil && hp.finalLogitSoftCap == nil)
        // A pattern in the file wins: a period, or one flag per layer.
        let period = try Self.read(.gemma3, layers: 4, ["gemma3.attention.sliding_window": .uint32(512),
                                                        "gemma3.attention.sliding_window_pattern": .uint32(2)])
        #expect(period.localAttention?.layers == [true, false, true, false])
        let flags = try Self.read(.gemma3, layers: 3, ["gemma3.attention.sliding_window": .uint32(512),
                                                       "gemma3.attention.sliding_window_pattern": .array(.bool([false, true, true]))])
        #expect(flags.localAttention?.layers == [false, true, true])
    }

    /// llama.cpp derives `query_pre_attn_scalar` from the layer count: the 27B models (46 layers in Gemma 2,
    /// 62 in Gemma 3) scale by 1/√(d/heads).
    @Test func largeModelsScaleQueriesByTheEmbeddingPerHead() throws {
        #expect(try Self.read(.gemma2, layers: 46).attentionScale == 1 / Float(64).squareRoot(), "d/heads = 64 here too")
        let wide = Self.metadata(.gemma2, layers: 46, ["gemma2.attention.key_length": .uint32(32), "gemma2.attention.value_length": .uint32(32)])
        #expect(try LlamaHyperparameters(metadata: { wide[$0] }, family: .gemma2).attentionScale == 1 / Float(64).squareRoot())
        let narrow = Self.metadata(.gemma2, layers: 26, ["gemma2.attention.key_length": .uint32(32), "gemma2.attention.value_length": .uint32(32)])
        #expect(try LlamaHyperparameters(metadata: { narrow[$0] }, family: .gemma2).attentionScale == 1 / Float(32).squareRoot())
    }

    @Test func badValuesAreRefusedByKey() throws {
        func key(_ family: TransformerFamily, layers: Int = 4, _ extra: [String: GGUFValue]) -> String? {
            do { _ = try Self.read(family, layers: layers, extra); return nil } catch let LlamaModelError.invalidHyperparameter(key, _, _) {
                return key
            } catch { return "\(error)" }
        }
        #expect(key(.gemma2, ["gemma2.attn_logit_softcapping": .float32(-1)]) == "gemma2.attn_logit_softcapping")
        #expect(key(.gemma2, ["gemma2.final_logit_softcapping": .float32(.nan)]) == "gemma2.final_logit_softcapping")
        #expect(key(.gemma2, ["gemma2.attention.sliding_window_pattern": .array(.bool([true]))]) == "gemma2.attention.sliding_window_pattern")
        #expect(key(.gemma2, ["gemma2.attention.sliding_window_pattern": .string("2")]) == "gemma2.attention.sliding_window_pattern")
        #expect(key(.gemma2, ["gemma2.rope.freq_base_swa": .float32(0)]) == "gemma2.rope.freq_base_swa")
    }

    /// The keys are the Gemma families' own: a llama or Qwen file naming one is refused, and Gemma 3 does not
    /// read an attention cap (llama.cpp ignores it there; transformers would apply it).
    @Test func otherFamiliesDoNotReadGemmaKeys() {
        #expect(TransformerFamily.gemma2.reads("attn_logit_softcapping") && !TransformerFamily.gemma3.reads("attn_logit_softcapping"))
        #expect(TransformerFamily.gemma3.reads("final_logit_softcapping") && TransformerFamily.gemma3.reads("rope.freq_base_swa"))
        for family in [TransformerFamily.llama, .qwen2, .qwen3, .phi3] {
            for suffix in ["attn_logit_softcapping", "final_logit_softcapping", "attention.sliding_window_pattern", "rope.freq_base_swa"] {
                #expect(!family.reads(suffix), "\(family.architecture) reads \(suffix)")
            }
        }
    }
}
