import SequiturCore
import SequiturGGUF

/// The shape of a llama model, read from GGUF metadata (`llama.*` keys, llama.cpp's names).
public struct LlamaHyperparameters: Sendable, Equatable {
    public var layerCount: Int
    /// Width of the residual stream (`d`).
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var headCount: Int
    /// Key/value heads; fewer than `headCount` for grouped-query attention.
    public var kvHeadCount: Int
    public var rmsEpsilon: Float
    public var ropeBase: Float
    /// Leading dimensions of each head that RoPE rotates (the whole head for llama).
    public var ropeDimension: Int
    public var contextLength: Int
    public var vocabularySize: Int

    public var headDimension: Int { embeddingLength / headCount }
    /// Width of one key (or value) row: all key/value heads together.
    public var kvDimension: Int { headDimension * kvHeadCount }

    /// The widest values any released model has, with a wide margin: 126 layers (Llama 3.1 405B), RMS epsilon
    /// 1e-5 or 1e-6, RoPE bases from 10,000 to a few million, contexts up to 10M tokens.
    public static let plausible = (maxLayers: 4096, maxRMSEpsilon: Float(0.1), ropeBase: Float(1)...Float(1e10),
                                   maxContextLength: 1 << 26)

    /// Checks that the numbers describe a model the forward pass can run.
    public init(layerCount: Int, embeddingLength: Int, feedForwardLength: Int, headCount: Int, kvHeadCount: Int,
                rmsEpsilon: Float, ropeBase: Float = 10000, ropeDimension: Int? = nil, contextLength: Int,
                vocabularySize: Int) throws {
        func require(_ ok: Bool, _ key: String, _ value: Any, _ reason: String) throws {
            if !ok { throw LlamaModelError.invalidHyperparameter(key: key, value: "\(value)", reason: reason) }
        }
        // Beyond "positive", each value must lie in a range some real model could have (with a wide margin):
        // a corrupt or hostile file otherwise loads and computes garbage, or sizes allocations by the value.
        try require(layerCount > 0 && layerCount <= Self.plausible.maxLayers, LlamaMetadataKey.blockCount, layerCount,
                    "must be in 1...\(Self.plausible.maxLayers)")
        try require(embeddingLength > 0, LlamaMetadataKey.embeddingLength, embeddingLength, "must be positive")
        try require(feedForwardLength > 0, LlamaMetadataKey.feedForwardLength, feedForwardLength, "must be positive")
        try require(headCount > 0 && embeddingLength % headCount == 0, LlamaMetadataKey.headCount, headCount,
                    "must be positive and divide the embedding length \(embeddingLength)")
        try require(kvHeadCount > 0 && headCount % kvHeadCount == 0, LlamaMetadataKey.kvHeadCount, kvHeadCount,
                    "must be positive and divide the head count \(headCount)")
        try require(rmsEpsilon.isFinite && rmsEpsilon > 0 && rmsEpsilon <= Self.plausible.maxRMSEpsilon,
                    LlamaMetadataKey.rmsEpsilon, rmsEpsilon, "must be positive and at most \(Self.plausible.maxRMSEpsilon)")
        try require(ropeBase.isFinite && Self.plausible.ropeBase.contains(ropeBase), LlamaMetadataKey.ropeBase, ropeBase,
                    "must be in \(Self.plausible.ropeBase.lowerBound)...\(Self.plausible.ropeBase.upperBound)")
        let headDimension = embeddingLength / headCount
        let rope = ropeDimension ?? headDimension
        try require(rope > 0 && rope % 2 == 0 && rope <= headDimension, LlamaMetadataKey.ropeDimension, rope,
                    "must be even and at most the head dimension \(headDimension)")
        try require(contextLength > 0 && contextLength <= Self.plausible.maxContextLength, LlamaMetadataKey.contextLength,
                    contextLength, "must be in 1...\(Self.plausible.maxContextLength)")
        try require(vocabularySize > 0, LlamaMetadataKey.vocabularySize, vocabularySize, "must be positive")
        self.layerCount = layerCount
        self.embeddingLength = embeddingLength
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.rmsEpsilon = rmsEpsilon
        self.ropeBase = ropeBase
        self.ropeDimension = rope
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// Reads the hyperparameters from GGUF metadata; `metadata` returns the value of a key, or nil.
    public init(metadata: (String) -> GGUFValue?) throws {
        typealias K = LlamaMetadataKey
        func int(_ key: String) throws -> Int? {
            guard let v = metadata(key) else { return nil }
            guard let i = v.intValue else {
                throw LlamaModelError.invalidHyperparameter(key: key, value: v.description,
                                                            reason: "expected an integer, found \(v.typeName)")
            }
            return i
        }
        func float(_ key: String) throws -> Float? {
            switch metadata(key) {
            case nil: return nil
            case let .float32(f)?: return f
            case let .float64(f)?: return Float(f)
            case let v?:
                if let i = v.intValue { return Float(i) }
                throw LlamaModelError.invalidHyperparameter(key: key, value: v.description,
                                                            reason: "expected a number, found \(v.typeName)")
            }
        }
        func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
            guard let v = try read(key) else { throw LlamaModelError.missingMetadata(key: key) }
            return v
        }

        guard case let .string(architecture)? = metadata(K.architecture) else {
            throw LlamaModelError.missingMetadata(key: K.architecture)
        }
        guard architecture == "llama" else { throw LlamaModelError.wrongArchitecture(architecture) }

        if let v = metadata(K.ropeScalingType) {
            guard case let .string(type) = v else {
                throw LlamaModelError.invalidHyperparameter(key: K.ropeScalingType, value: v.description,
                                                            reason: "expected a string")
            }
            let factor = try float(K.ropeScalingFactor)
            let identity = type == "none" || (type == "linear" && (factor ?? 1) == 1)
            guard identity else { throw LlamaModelError.unsupportedRopeScaling(type: type, factor: factor) }
        }

        let vocabulary: Int
        if let v = try int(K.vocabularySize) {
            vocabulary = v
        } else if case let .array(tokens)? = metadata(K.tokens) {
            vocabulary = tokens.count
        } else {
            throw LlamaModelError.missingMetadata(key: K.vocabularySize)
        }
        try self.init(
            layerCount: try required(K.blockCount, int),
            embeddingLength: try required(K.embeddingLength, int),
            feedForwardLength: try required(K.feedForwardLength, int),
            headCount: try required(K.headCount, int),
            kvHeadCount: try int(K.kvHeadCount) ?? required(K.headCount, int),
            rmsEpsilon: try required(K.rmsEpsilon, float),
            ropeBase: try float(K.ropeBase) ?? 10000,
            ropeDimension: try int(K.ropeDimension),
            contextLength: try required(K.contextLength, int),
            vocabularySize: vocabulary)
    }
}

/// The GGUF metadata keys a llama model is described by.
public enum LlamaMetadataKey {
    public static let architecture = "general.architecture"
    public static let blockCount = "llama.block_count"
    public static let embeddingLength = "llama.embedding_length"
    public static let feedForwardLength = "llama.feed_forward_length"
    public static let headCount = "llama.attention.head_count"
    public static let kvHeadCount = "llama.attention.head_count_kv"
    public static let rmsEpsilon = "llama.attention.layer_norm_rms_epsilon"
    public static let ropeBase = "llama.rope.freq_base"
    public static let ropeDimension = "llama.rope.dimension_count"
    public static let ropeScalingType = "llama.rope.scaling.type"
    public static let ropeScalingFactor = "llama.rope.scaling.factor"
    public static let contextLength = "llama.context_length"
    public static let vocabularySize = "llama.vocab_size"
    public static let tokens = "tokenizer.ggml.tokens"

    /// The `llama.*` keys the model reads.
    static let read: Set<String> = [
        blockCount, embeddingLength, feedForwardLength, headCount, kvHeadCount, rmsEpsilon, ropeBase, ropeDimension,
        ropeScalingType, ropeScalingFactor, contextLength, vocabularySize,
    ]
}
