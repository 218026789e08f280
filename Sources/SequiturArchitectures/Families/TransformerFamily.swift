import SequiturCore

/// What sets a decoder-only transformer family apart from llama, as data the shared forward pass
/// (`LlamaModel`) reads: the families differ in a few switches, not in the shape of the computation, so each
/// registry entry (`LlamaArchitecture`, `Qwen2Architecture`, `Qwen3Architecture`) is one of these and a plugin.
///
/// A switch that is off means the tensors it governs are not read, and a file holding them is refused
/// (`LlamaModelError.unusedTensor`): nothing is ignored silently.
public struct TransformerFamily: Sendable, Hashable {
    /// The GGUF `general.architecture` value, and the prefix of the family's metadata keys.
    public var architecture: String
    /// How RoPE pairs a head's elements: GGUF llama files carry Q and K rows permuted for adjacent pairs,
    /// every other family rotates halves.
    public var ropePairing: RotaryEmbedding.Pairing
    /// Q, K and V projections carry biases (`blk.N.attn_{q,k,v}.bias`, Qwen 2).
    public var attentionBias: Bool
    /// Q and K get a per-head RMSNorm before RoPE (`blk.N.attn_{q,k}_norm.weight`, Qwen 3).
    public var queryKeyNorm: Bool
    /// `rope_freqs.weight`, per-pair frequency divisors (Llama 3.x's rope scaling), is read when present.
    public var ropeFrequencyTensor: Bool
    /// Q, K and V are one matrix (`blk.N.attn_qkv.weight`, rows Q then K then V) and gate and up are one
    /// (`blk.N.ffn_up.weight`, rows gate then up), as Phi-3 stores them; each part is a row range of the one
    /// weight, so no op is needed.
    public var fusedProjections: Bool
    /// `<architecture>.attention.sliding_window` is read (Phi-3): each query sees only the last `window`
    /// positions. Up to `window` tokens that is every position, so the model's context is capped at the
    /// window rather than windowed attention approximated.
    public var slidingWindowKey: Bool
    /// `rope_factors_short.weight` and `rope_factors_long.weight` are read under `rope.scaling.type = longrope`
    /// (Phi-3 128k, Phi-3.5).
    public var longRopeTensors: Bool
    /// The token embedding is multiplied by √d before the first layer (Gemma).
    public var embeddingScale: Bool
    /// An RMSNorm of the attention output and of the feed-forward output before each joins the residual
    /// stream (`blk.N.post_attention_norm.weight`, `blk.N.post_ffw_norm.weight`, Gemma 2 and 3).
    public var postNorms: Bool
    /// The gate's activation in the gated feed-forward: SiLU (SwiGLU) or GELU's tanh form (GeGLU).
    public var activation: FeedForwardActivation
    /// Soft caps on attention scores and final logits read from the file, with llama.cpp's defaults (nil: the
    /// family has none and a file naming one is refused).
    public var softCapping: SoftCappingRule?
    /// Layers with a sliding window between global ones (Gemma 2 and 3), windowed in the attention op itself.
    public var localAttention: LocalAttentionRule?
    /// How queries are scaled before the dot product.
    public var attentionScale: AttentionScaleRule

    public init(architecture: String, ropePairing: RotaryEmbedding.Pairing, attentionBias: Bool = false,
                queryKeyNorm: Bool = false, ropeFrequencyTensor: Bool = false, fusedProjections: Bool = false,
                slidingWindowKey: Bool = false, longRopeTensors: Bool = false, embeddingScale: Bool = false, postNorms: Bool = false,
                activation: FeedForwardActivation = .silu, softCapping: SoftCappingRule? = nil,
                localAttention: LocalAttentionRule? = nil, attentionScale: AttentionScaleRule = .headDimension) {
        self.architecture = architecture
        self.ropePairing = ropePairing
        self.attentionBias = attentionBias
        self.queryKeyNorm = queryKeyNorm
        self.ropeFrequencyTensor = ropeFrequencyTensor
        self.fusedProjections = fusedProjections
        self.slidingWindowKey = slidingWindowKey
        self.longRopeTensors = longRopeTensors
        self.embeddingScale = embeddingScale
        self.postNorms = postNorms
        self.activation = activation
        self.softCapping = softCapping
        self.localAttention = localAttention
        self.attentionScale = attentionScale
    }

    /// The metadata key `<architecture>.<suffix>`.
    public func key(_ suffix: String) -> String { "\(architecture).\(suffix)" }

    /// Whether this family reads the key `<architecture>.<suffix>` beyond the keys every family reads
    /// (`LlamaMetadataKey.Suffix.read`).
    public func reads(_ suffix: String) -> Bool {
        typealias S = LlamaMetadataKey.Suffix
        switch suffix {
        case S.slidingWindow: return slidingWindowKey || localAttention != nil
        case S.slidingWindowPattern, S.ropeBaseLocal: return localAttention != nil
        case S.finalLogitSoftCap: return softCapping != nil
        case S.attentionSoftCap: return softCapping?.readsAttentionCap ?? false
        default: return false
        }
    }
}

extension TransformerFamily {
    /// The families the standard registry runs, by architecture name.
    public static let standard: [TransformerFamily] = [.llama, .qwen2, .qwen3, .phi3, .gemma2, .gemma3]

    /// The standard family a file's `general.architecture` names, or nil.
    public static func family(named architecture: String) -> TransformerFamily? {
        standard.first { $0.architecture == architecture }
    }
}

extension TransformerFamily {
    /// The registry entry that builds this family's files: `LlamaModel` switched by `self`.
    public func plugin(summary: String) -> ArchitecturePlugin {
        ArchitecturePlugin(name: architecture, summary: summary) { file, backend, vocabulary in
            try LlamaModel(file: file, family: self, backend: backend, vocabulary: vocabulary)
        }
    }
}
