import SequiturCore

/// The shape and tensor types of a random-weight llama model written by `SyntheticModels`.
public struct SyntheticLlamaShape: Sendable, Equatable {
    public var layers: Int
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var heads: Int
    public var kvHeads: Int
    /// Tokens in the vocabulary: 3 control tokens, 256 byte tokens, then BPE merges up to this count (≥ 259).
    public var vocabularySize: Int
    public var contextLength: Int
    public var ropeBase: Float
    public var rmsEpsilon: Float
    /// Use the token embedding as the output head (no `output.weight`), as SmolLM2 does.
    public var tiedOutputHead: Bool
    public var embeddingType: TensorType
    /// Types of `attn_q`, `attn_k`, `attn_v`, `attn_output`.
    public var attentionTypes: [TensorType]
    /// Types of `ffn_gate`, `ffn_up`, `ffn_down`.
    public var feedForwardTypes: [TensorType]
    /// Type of `output.weight` when the head is not tied.
    public var outputType: TensorType

    public init(layers: Int, embeddingLength: Int, feedForwardLength: Int, heads: Int, kvHeads: Int,
                vocabularySize: Int, contextLength: Int, ropeBase: Float, rmsEpsilon: Float, tiedOutputHead: Bool,
                embeddingType: TensorType, attentionTypes: [TensorType], feedForwardTypes: [TensorType],
                outputType: TensorType) {
        self.layers = layers
        self.embeddingLength = embeddingLength
        self.feedForwardLength = feedForwardLength
        self.heads = heads
        self.kvHeads = kvHeads
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
        self.tiedOutputHead = tiedOutputHead
        self.embeddingType = embeddingType
        self.attentionTypes = attentionTypes
        self.feedForwardTypes = feedForwardTypes
        self.outputType = outputType
    }

    /// A model small enough for unit tests in a debug build, mixing every weight type the default model uses
    /// (Q8_0, Q4_1, F32) and a separate output head; awkward sizes (ffn 160, vocabulary 283).
    public static let tiny = SyntheticLlamaShape(
        layers: 2, embeddingLength: 64, feedForwardLength: 160, heads: 4, kvHeads: 2, vocabularySize: 283,
        contextLength: 2048, ropeBase: 10000, rmsEpsilon: 1e-5, tiedOutputHead: false,
        embeddingType: .q8_0, attentionTypes: [.q4_1, .q8_0, .q4_1, .f32], feedForwardTypes: [.q4_1, .q8_0, .q4_1],
        outputType: .q8_0)

    /// The exact shape, tensor names and types of the default model, SmolLM2-135M-Instruct Q4_1 (checked with
    /// gguf-py): 30 layers, d 576, ffn 1536, 9 heads, 3 key/value heads, vocabulary 49,152, Q8_0 embedding tied
    /// as the head, Q4_1 everywhere else, F32 norms. For benchmarks where the real file cannot go.
    public static let smollm2_135m = SyntheticLlamaShape(
        layers: 30, embeddingLength: 576, feedForwardLength: 1536, heads: 9, kvHeads: 3, vocabularySize: 49152,
        contextLength: 8192, ropeBase: 100000, rmsEpsilon: 1e-5, tiedOutputHead: true,
        embeddingType: .q8_0, attentionTypes: [.q4_1, .q4_1, .q4_1, .q4_1], feedForwardTypes: [.q4_1, .q4_1, .q4_1],
        outputType: .q4_1)
}
