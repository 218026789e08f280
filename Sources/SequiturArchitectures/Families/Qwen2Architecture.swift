import SequiturCore
import SequiturGGUF

extension TransformerFamily {
    /// Qwen 2 and Qwen 2.5: llama's block with biases on the Q, K and V projections and NEOX RoPE; small
    /// models tie the output head to the token embedding.
    public static let qwen2 = TransformerFamily(architecture: "qwen2", ropePairing: .halves, attentionBias: true)
}

/// The `qwen2` entry of the architecture registry (Qwen 2, Qwen 2.5).
public enum Qwen2Architecture {
    public static let plugin = TransformerFamily.qwen2.plugin(
        summary: "Qwen 2 / 2.5: llama's block with Q/K/V biases and NEOX (rotate-halves) RoPE")
}
