/// The GGUF tensor names of a llama-style model (llama.cpp's convention), spelled once for the loader and for
/// the synthetic-model writer.
public enum LlamaTensorName {
    public static let tokenEmbedding = "token_embd.weight"
    public static let outputNorm = "output_norm.weight"
    /// Absent when the output head is tied to the token embedding.
    public static let outputHead = "output.weight"
    /// Llama 3.x's per-pair RoPE frequency divisors (`rope_dimension / 2` floats).
    public static let ropeFrequencies = "rope_freqs.weight"
    /// LongRoPE's per-pair frequency divisors up to and past the original context (Phi-3 128k).
    public static let ropeFactorsShort = "rope_factors_short.weight"
    public static let ropeFactorsLong = "rope_factors_long.weight"

    /// The tensors of each block, `blk.N.<part>.weight`.
    public enum BlockPart: String, CaseIterable, Sendable {
        case attentionNorm = "attn_norm"
        case query = "attn_q"
        case key = "attn_k"
        case value = "attn_v"
        case attentionOutput = "attn_output"
        case feedForwardNorm = "ffn_norm"
        case gate = "ffn_gate"
        case up = "ffn_up"
        case down = "ffn_down"
        /// Qwen 3's per-head norms of Q and K.
        case queryNorm = "attn_q_norm"
        case keyNorm = "attn_k_norm"
        /// Phi-3's Q, K and V in one matrix (its gate and up share `ffn_up`).
        case fusedQKV = "attn_qkv"
        /// Gemma's norms of the attention output and of the feed-forward output.
        case postAttentionNorm = "post_attention_norm"
        case postFeedForwardNorm = "post_ffw_norm"

        /// The parts every family has.
        public static let common: [BlockPart] = [
            .attentionNorm, .query, .key, .value, .attentionOutput, .feedForwardNorm, .gate, .up, .down,
        ]
    }

    /// `blk.<layer>.<part>.weight`.
    public static func block(_ layer: Int, _ part: BlockPart) -> String { "blk.\(layer).\(part.rawValue).weight" }
    /// `blk.<layer>.<part>.bias` (Qwen 2's Q, K and V biases).
    public static func bias(_ layer: Int, _ part: BlockPart) -> String { "blk.\(layer).\(part.rawValue).bias" }

    /// A tensor a model reads, with the shape it must have (`rows × columns`, GGUF `ne[1] × ne[0]`; vectors
    /// are one row).
    public struct Expected: Sendable, Equatable {
        public let name: String
        public let rows: Int
        public let columns: Int
        /// The output head (tied when absent) and `rope_freqs.weight` may be left out.
        public let isOptional: Bool
    }

    /// Every tensor a model of `hp` may read, in the order the loader reads them: the one table both the
    /// header check (`LlamaModel.check`, what `inspect` reports) and the weight loader use.
    public static func expected(_ hp: LlamaHyperparameters) -> [Expected] {
        let d = hp.embeddingLength, q = hp.queryDimension, kv = hp.kvDimension, ffn = hp.feedForwardLength
        let family = hp.family
        func tensor(_ name: String, _ rows: Int, _ columns: Int, optional: Bool = false) -> Expected {
            Expected(name: name, rows: rows, columns: columns, isOptional: optional)
        }
        var list = [tensor(tokenEmbedding, hp.vocabularySize, d)]
        for l in 0..<hp.layerCount {
            if family.fusedProjections {
                list += [tensor(block(l, .attentionNorm), 1, d), tensor(block(l, .fusedQKV), q + 2 * kv, d),
                         tensor(block(l, .attentionOutput), d, q), tensor(block(l, .feedForwardNorm), 1, d),
                         tensor(block(l, .up), 2 * ffn, d), tensor(block(l, .down), d, ffn)]
                continue
            }
            list += [tensor(block(l, .attentionNorm), 1, d), tensor(block(l, .query), q, d),
                     tensor(block(l, .key), kv, d), tensor(block(l, .value), kv, d)]
            if family.attentionBias {
                list += [tensor(bias(l, .query), 1, q), tensor(bias(l, .key), 1, kv), tensor(bias(l, .value), 1, kv)]
            }
            if family.queryKeyNorm {
                list += [tensor(block(l, .queryNorm), 1, hp.headDimension), tensor(block(l, .keyNorm), 1, hp.headDimension)]
            }
            list += [tensor(block(l, .attentionOutput), d, q), tensor(block(l, .feedForwardNorm), 1, d),
                     tensor(block(l, .gate), ffn, d), tensor(block(l, .up), ffn, d), tensor(block(l, .down), d, ffn)]
            if family.postNorms {
                list += [tensor(block(l, .postAttentionNorm), 1, d), tensor(block(l, .postFeedForwardNorm), 1, d)]
            }
        }
        list += [tensor(outputNorm, 1, d), tensor(outputHead, hp.vocabularySize, d, optional: true)]
        if family.ropeFrequencyTensor { list.append(tensor(ropeFrequencies, 1, hp.ropeDimension / 2, optional: true)) }
        if family.longRopeTensors {
            list += [tensor(ropeFactorsShort, 1, hp.ropeDimension / 2, optional: true),
                     tensor(ropeFactorsLong, 1, hp.ropeDimension / 2, optional: true)]
        }
        return list
    }
}
