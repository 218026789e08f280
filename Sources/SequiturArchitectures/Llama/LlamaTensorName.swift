/// The GGUF tensor names of a llama-style model (llama.cpp's convention), spelled once for the loader and for
/// the synthetic-model writer.
public enum LlamaTensorName {
    public static let tokenEmbedding = "token_embd.weight"
    public static let outputNorm = "output_norm.weight"
    /// Absent when the output head is tied to the token embedding.
    public static let outputHead = "output.weight"
    /// Llama 3.x's per-pair RoPE frequency divisors (`rope_dimension / 2` floats).
    public static let ropeFrequencies = "rope_freqs.weight"

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

        /// The parts every family has.
        public static let common: [BlockPart] = [
            .attentionNorm, .query, .key, .value, .attentionOutput, .feedForwardNorm, .gate, .up, .down,
        ]
    }

    /// `blk.<layer>.<part>.weight`.
    public static func block(_ layer: Int, _ part: BlockPart) -> String { "blk.\(layer).\(part.rawValue).weight" }
    /// `blk.<layer>.<part>.bias` (Qwen 2's Q, K and V biases).
    public static func bias(_ layer: Int, _ part: BlockPart) -> String { "blk.\(layer).\(part.rawValue).bias" }

    /// Every tensor name a `family` model of `layers` blocks may read (the output head and `rope_freqs` are
    /// optional).
    public static func all(layers: Int, family: TransformerFamily = .llama) -> [String] {
        var names = [tokenEmbedding, outputNorm, outputHead]
        if family.ropeFrequencyTensor { names.append(ropeFrequencies) }
        for l in 0..<layers {
            names += BlockPart.common.map { block(l, $0) }
            if family.attentionBias { names += [BlockPart.query, .key, .value].map { bias(l, $0) } }
            if family.queryKeyNorm { names += [block(l, .queryNorm), block(l, .keyNorm)] }
        }
        return names
    }
}
