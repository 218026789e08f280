import SequiturCore
import SequiturGGUF

extension TransformerFamily {
    /// Qwen 3 (dense): llama's block with a per-head RMSNorm of Q and K before NEOX RoPE, no biases, and a head
    /// dimension of its own (`qwen3.attention.key_length`, not the embedding length over the head count).
    public static let qwen3 = TransformerFamily(architecture: "qwen3", ropePairing: .halves, queryKeyNorm: true)
}

/// The `qwen3` entry of the architecture registry (dense Qwen 3; `qwen3moe` files are a different architecture
/// and are refused).
public enum Qwen3Architecture {
    public static let plugin = TransformerFamily.qwen3.plugin(
        summary: "Qwen 3 (dense): llama's block with per-head Q/K RMSNorm and NEOX (rotate-halves) RoPE")
}
