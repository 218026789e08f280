import SequiturCore
import SequiturGGUF

extension TransformerFamily {
    /// Gemma 3 (text; the 1B model, or the language model of a larger one converted alone): Gemma 2's block
    /// with per-head Q/K RMSNorm instead of attention soft-capping, five local layers to each global one, and
    /// a RoPE base of its own on the local layers (10,000 unless `rope.freq_base_swa` says otherwise; linear
    /// scaling, where a file has it, applies to the global layers only).
    public static let gemma3 = TransformerFamily(
        architecture: "gemma3", ropePairing: .halves, queryKeyNorm: true, embeddingScale: true, postNorms: true,
        activation: .geluTanh, softCapping: SoftCappingRule(readsAttentionCap: false),
        localAttention: LocalAttentionRule(defaultPeriod: 6, defaultWindow: nil, defaultRopeBase: 10_000,
                                           scalesLocalPositions: false),
        attentionScale: .gemma(largeModelLayers: 62))
}

/// The `gemma3` entry of the architecture registry (text only: vision towers and `gemma3n` are other
/// architectures and are refused).
public enum Gemma3Architecture {
    public static let plugin = TransformerFamily.gemma3.plugin(
        summary: "Gemma 3 (text): Gemma 2's block with Q/K RMSNorm, five local layers per global one, a local RoPE base")
}
