import SequiturCore
import SequiturGGUF

extension TransformerFamily {
    /// Gemma 2: the embedding scaled by √d, RMSNorms after attention and after the feed-forward as well as
    /// before, GeGLU, soft caps on attention scores and final logits, and local (sliding-window) layers
    /// alternating with global ones, all with NEOX RoPE. The file stores norm weights as the multiplier
    /// (the converter adds Gemma's 1), so they are plain RMSNorm weights here.
    public static let gemma2 = TransformerFamily(
        architecture: "gemma2", ropePairing: .halves, embeddingScale: true, postNorms: true, activation: .geluTanh,
        softCapping: SoftCappingRule(readsAttentionCap: true, defaultAttentionCap: 50, defaultFinalCap: 30),
        localAttention: LocalAttentionRule(defaultPeriod: 2, defaultWindow: 4096, defaultRopeBase: nil,
                                           scalesLocalPositions: true),
        attentionScale: .gemma(largeModelLayers: 46))
}

/// The `gemma2` entry of the architecture registry.
public enum Gemma2Architecture {
    public static let plugin = TransformerFamily.gemma2.plugin(
        summary: "Gemma 2: GeGLU, pre- and post-norms, soft-capped attention and logits, local layers alternating with global")
}
