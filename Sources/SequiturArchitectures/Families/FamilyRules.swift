/// The gate's activation in a family's gated feed-forward, `down(act(gate(x)) · up(x))`.
public enum FeedForwardActivation: String, Sendable, Hashable {
    /// `silu(g) = g · σ(g)`: SwiGLU (llama, Qwen, Phi-3).
    case silu
    /// GELU's tanh approximation (`gelu_pytorch_tanh`): GeGLU (Gemma).
    case geluTanh
}

/// Which soft caps a family reads (`<architecture>.attn_logit_softcapping`, `.final_logit_softcapping`) and
/// the caps it has when the file leaves a key out: llama.cpp's, so a file means what it means there.
public struct SoftCappingRule: Sendable, Hashable {
    /// Whether attention scores are capped at all (Gemma 2); a family that does not is refused a file naming
    /// an attention cap.
    public var readsAttentionCap: Bool
    /// The attention cap without the key (Gemma 2: 50).
    public var defaultAttentionCap: Float?
    /// The final-logit cap without the key (Gemma 2: 30; Gemma 3: none).
    public var defaultFinalCap: Float?

    public init(readsAttentionCap: Bool, defaultAttentionCap: Float? = nil, defaultFinalCap: Float? = nil) {
        self.readsAttentionCap = readsAttentionCap
        self.defaultAttentionCap = defaultAttentionCap
        self.defaultFinalCap = defaultFinalCap
    }
}

/// Interleaved local (sliding-window) and global layers, as llama.cpp reads them: the window from
/// `attention.sliding_window`, which layers are local from `attention.sliding_window_pattern` (a period `n`,
/// every layer but the last of each `n` local, or one flag per layer) or the family's period, and the local
/// layers' RoPE base from `rope.freq_base_swa`.
public struct LocalAttentionRule: Sendable, Hashable {
    /// Layers `l` with `l % period < period − 1` are local when the file gives no pattern (Gemma 2: 2,
    /// Gemma 3: 6).
    public var defaultPeriod: Int
    /// The window when the file has no `attention.sliding_window` (Gemma 2: 4096); nil means such a file has
    /// no local layers at all (Gemma 3).
    public var defaultWindow: Int?
    /// The local layers' RoPE base without `rope.freq_base_swa` (Gemma 3: 10,000); nil means the global base.
    public var defaultRopeBase: Float?
    /// Whether linear RoPE scaling applies to local layers too (Gemma 2) or only to global ones (Gemma 3).
    public var scalesLocalPositions: Bool

    public init(defaultPeriod: Int, defaultWindow: Int?, defaultRopeBase: Float?, scalesLocalPositions: Bool) {
        self.defaultPeriod = defaultPeriod
        self.defaultWindow = defaultWindow
        self.defaultRopeBase = defaultRopeBase
        self.scalesLocalPositions = scalesLocalPositions
    }
}

/// How a family scales queries before the dot product.
public enum AttentionScaleRule: Sendable, Hashable {
    /// `1 / √headDimension`.
    case headDimension
    /// `1 / √headDimension`, except for a model of `largeModelLayers` layers, which gets `1 / √(d / heads)`:
    /// Gemma's `query_pre_attn_scalar`, which GGUF does not store, as llama.cpp derives it (the 27B models).
    case gemma(largeModelLayers: Int)
}
