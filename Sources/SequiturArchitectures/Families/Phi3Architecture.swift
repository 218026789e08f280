import SequiturCore
import SequiturGGUF

extension TransformerFamily {
    /// Phi-3 and Phi-3.5 (mini, medium): llama's block with fused QKV and gate/up projections and NEOX RoPE.
    /// Its sliding window caps the context (see `slidingWindowKey`); so does LongRoPE's original context in
    /// the 128k models and Phi-3.5, which run with their short factors (`LongRopeScaling`).
    public static let phi3 = TransformerFamily(architecture: "phi3", ropePairing: .halves, fusedProjections: true,
                                               slidingWindowKey: true, longRopeTensors: true)
}

/// The `phi3` entry of the architecture registry.
public enum Phi3Architecture {
    public static let plugin = TransformerFamily.phi3.plugin(
        summary: "Phi-3 / 3.5: llama's block with fused QKV and gate/up projections and NEOX (rotate-halves) RoPE")
}
