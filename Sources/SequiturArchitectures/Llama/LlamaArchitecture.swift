import SequiturCore
import SequiturGGUF

extension TransformerFamily {
    /// Llama 2 and 3.x, Mistral, SmolLM and the other llama-shaped files: adjacent-pair RoPE (the converter
    /// permutes Q and K for it), with Llama 3's `rope_freqs.weight` when the file has one.
    public static let llama = TransformerFamily(architecture: "llama", ropePairing: .adjacent, ropeFrequencyTensor: true)
}

/// The llama entry of the architecture registry: Llama 2 and 3.x, Mistral, and SmolLM2 (the default model).
public enum LlamaArchitecture {
    public static let plugin = TransformerFamily.llama.plugin(
        summary: "RMSNorm, RoPE, grouped-query attention, SwiGLU (Llama 2 and 3.x, Mistral, SmolLM2)")
}
