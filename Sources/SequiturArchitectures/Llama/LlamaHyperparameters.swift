import SequiturCore
import SequiturGGUF

/// The shape of a llama-style model, read from GGUF metadata (`<architecture>.*` keys, llama.cpp's names).
public struct LlamaHyperparameters: Sendable, Equatable {
    /// The family whose switches the forward pass follows (llama, qwen2, qwen3, phi3, gemma2, gemma3).
    public var family: TransformerFamily
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
    /// Multiplies positions before RoPE: `1 / factor` under linear rope scaling, else 1.
    public var ropePositionScale: Double
    public var contextLength: Int
    public var vocabularySize: Int
    /// Width of one head: the embedding length over the head count unless the file says otherwise
    /// (`<architecture>.attention.key_length`, as Qwen 3 does).
    public var headDimension: Int
    /// Positions each query attends to (`<architecture>.attention.sliding_window`, Phi-3), or nil for all.
    public var slidingWindow: Int?
    /// Gemma's local layers: their window, which layers they are, and their rotation; nil when every layer is
    /// global.
    public var localAttention: LocalAttention?
    /// YaRN rope scaling (`rope.scaling.type = yarn`), or nil.
    public var yarn: YarnScaling?
    /// LongRoPE (`rope.scaling.type = longrope`, Phi-3 128k): the factors are tensors, read with the weights.
    public var longRope: LongRopeScaling?
    /// `cap · tanh(score / cap)` on attention scores (Gemma 2), or nil.
    public var attentionSoftCap: Float?
    /// `cap · tanh(logit / cap)` on the output head's logits (Gemma 2), or nil.
    public var finalLogitSoftCap: Float?

    /// Local (sliding-window) layers as a file describes them.
    public struct LocalAttention: Sendable, Equatable {
        public var window: Int
        /// One flag per layer: true where the layer is local.
        public var layers: [Bool]
        public var ropeBase: Float
        public var ropePositionScale: Double

        public init(window: Int, layers: [Bool], ropeBase: Float, ropePositionScale: Double) {
            self.window = window
            self.layers = layers
            self.ropeBase = ropeBase
            self.ropePositionScale = ropePositionScale
        }
    }

    /// The multiplier of the token embedding before the first layer: √d in float32 (Gemma), else nil.
    public var embeddingScale: Float? {
        family.embeddingScale ? Float(embeddingLength).squareRoot() : nil
    }

    /// The query scale: `1 / √headDimension`, or what the family's rule says (`AttentionScaleRule`).
    public var attentionScale: Float {
        switch family.attentionScale {
        case .headDimension:
            return 1 / Float(headDimension).squareRoot()
        case let .gemma(largeModelLayers):
            let width = layerCount == largeModelLayers ? embeddingLength / headCount : headDimension
            return 1 / Float(width).squareRoot()
        }
    }

    /// Whether layer `layer` is a local (sliding-window) one.
    public func isLocal(layer: Int) -> Bool { localAttention?.layers[layer] ?? false }

    /// What attention computes in layer `layer`: its window if local, the score cap.
    public func attentionVariant(layer: Int) -> AttentionVariant {
        AttentionVariant(window: isLocal(layer: layer) ? localAttention?.window : nil, scoreSoftCap: attentionSoftCap)
    }

    /// The longest sequence the model computes exactly: the context length, capped at the sliding window (up
    /// to the window, full attention is windowed attention; past it, this implementation would differ).
    /// Under LongRoPE the cap is the original context, past which transformers and llama.cpp switch factors
    /// differently (`LongRopeScaling`).
    public var exactContextLength: Int {
        min(contextLength, slidingWindow ?? contextLength, longRope?.originalContext ?? contextLength)
    }

    /// Width of one query row (and of the attention output): all query heads together.
    public var queryDimension: Int { headDimension * headCount }
    /// Width of one key (or value) row: all key/value heads together.
    public var kvDimension: Int { headDimension * kvHeadCount }

    /// The rotation of this model's queries and keys, with per-pair frequency divisors when given (Llama 3's
    /// `rope_freqs.weight`, LongRoPE's short factors) or YaRN's, and the attention factor of YaRN or LongRoPE.
    public func rotary(frequencyFactors: [Float]? = nil) -> RotaryEmbedding {
        let factors = frequencyFactors ?? yarn?.frequencyDivisors(dimension: ropeDimension, base: ropeBase)
        return RotaryEmbedding(dimension: ropeDimension, base: ropeBase, pairing: family.ropePairing,
                               frequencyFactors: factors, positionScale: ropePositionScale,
                               magnitude: yarn?.attentionFactor ?? longRope?.attentionFactor ?? 1)
    }

    /// The rotation of the local layers (Gemma 3's base of their own), or nil without local layers.
    public var localRotary: RotaryEmbedding? {
        localAttention.map {
            RotaryEmbedding(dimension: ropeDimension, base: $0.ropeBase, pairing: family.ropePairing,
                            positionScale: $0.ropePositionScale)
        }
    }

    /// The widest values any released model has, with a wide margin: 126 layers (Llama 3.1 405B), RMS epsilon
    /// 1e-5 or 1e-6, RoPE bases from 10,000 to a few million, contexts up to 10M tokens.
    public static let plausible = (maxLayers: 4096, maxRMSEpsilon: Float(0.1), ropeBase: Float(1)...Float(1e10),
                                   maxContextLength: 1 << 26)

    /// Checks that the numbers describe a model the forward pass can run.
    public init(layerCount: Int, embeddingLength: Int, feedForwardLength: Int, headCount: Int, kvHeadCount: Int,
                headDimension: Int? = nil, rmsEpsilon: Float, ropeBase: Float = 10000, ropeDimension: Int? = nil,
                ropePositionScale: Double = 1, contextLength: Int, vocabularySize: Int, slidingWindow: Int? = nil,
                family: TransformerFamily = .llama) throws {
        func require(_ ok: Bool, _ suffix: String, _ value: Any, _ reason: String) throws {
            if !ok {
                throw LlamaModelError.invalidHyperparameter(key: family.key(suffix), value: "\(value)", reason: reason)
            }
        }
        typealias S = LlamaMetadataKey.Suffix
        // Beyond "positive", each value must lie in a range some real model could have (with a wide margin):
        // a corrupt or hostile file otherwise loads and computes garbage, or sizes allocations by the value.
        try require(layerCount > 0 && layerCount <= Self.plausible.maxLayers, S.blockCount, layerCount,
                    "must be in 1...\(Self.plausible.maxLayers)")
        try require(embeddingLength > 0, S.embeddingLength, embeddingLength, "must be positive")
        try require(feedForwardLength > 0, S.feedForwardLength, feedForwardLength, "must be positive")
        if let headDimension {
            try require(headCount > 0, S.headCount, headCount, "must be positive")
            try require(headDimension > 0 && headDimension <= 1 << 16, S.keyLength, headDimension, "must be in 1...65536")
        } else {
            try require(headCount > 0 && embeddingLength % headCount == 0, S.headCount, headCount,
                        "must be positive and divide the embedding length \(embeddingLength)")
        }
        try require(kvHeadCount > 0 && headCount % kvHeadCount == 0, S.kvHeadCount, kvHeadCount,
                    "must be positive and divide the head count \(headCount)")
        try require(rmsEpsilon.isFinite && rmsEpsilon > 0 && rmsEpsilon <= Self.plausible.maxRMSEpsilon,
                    S.rmsEpsilon, rmsEpsilon, "must be positive and at most \(Self.plausible.maxRMSEpsilon)")
        try require(ropeBase.isFinite && Self.plausible.ropeBase.contains(ropeBase), S.ropeBase, ropeBase,
                    "must be in \(Self.plausible.ropeBase.lowerBound)...\(Self.plausible.ropeBase.upperBound)")
        let headDimension = headDimension ?? embeddingLength / headCount
        let rope = ropeDimension ?? headDimension
        try require(rope > 0 && rope % 2 == 0 && rope <= headDimension, S.ropeDimension, rope,
                    "must be even and at most the head dimension \(headDimension)")
        try require(ropePositionScale.isFinite && ropePositionScale > 0, S.ropeScalingFactor, 1 / ropePositionScale,
                    "must be positive and finite")
        try require(contextLength > 0 && contextLength <= Self.plausible.maxContextLength, S.contextLength,
                    contextLength, "must be in 1...\(Self.plausible.maxContextLength)")
        try require(vocabularySize > 0, S.vocabularySize, vocabularySize, "must be positive")
        if let slidingWindow {
            try require(slidingWindow > 0, S.slidingWindow, slidingWindow, "must be positive (0 is written as no window)")
        }
        self.family = family
        self.slidingWindow = slidingWindow
        self.headDimension = headDimension
        self.ropePositionScale = ropePositionScale
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

    /// Reads the hyperparameters of a `family` model from GGUF metadata; `metadata` returns the value of a key,
    /// or nil.
    /// `hasLongRopeFactors`: the file holds LongRoPE's factor tensors, which llama.cpp's Phi-3 converter writes
    /// without any `rope.scaling.type` (llama.cpp, too, applies them whenever they are present).
    public init(metadata: (String) -> GGUFValue?, family: TransformerFamily = .llama,
                hasLongRopeFactors: Bool = false) throws {
        typealias S = LlamaMetadataKey.Suffix
        func int(_ suffix: String) throws -> Int? {
            let key = family.key(suffix)
            guard let v = metadata(key) else { return nil }
            guard let i = v.intValue else {
                throw LlamaModelError.invalidHyperparameter(key: key, value: v.description,
                                                            reason: "expected an integer, found \(v.typeName)")
            }
            return i
        }
        func float(_ suffix: String) throws -> Float? {
            let key = family.key(suffix)
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
        func required<T>(_ suffix: String, _ read: (String) throws -> T?) throws -> T {
            guard let v = try read(suffix) else { throw LlamaModelError.missingMetadata(key: family.key(suffix)) }
            return v
        }

        guard case let .string(architecture)? = metadata(LlamaMetadataKey.architecture) else {
            throw LlamaModelError.missingMetadata(key: LlamaMetadataKey.architecture)
        }
        guard architecture == family.architecture else {
            throw LlamaModelError.wrongArchitecture(architecture, expected: family.architecture)
        }

        // Linear scaling divides positions by its factor (transformers divides the inverse frequencies, the
        // same angles); YaRN and LongRoPE are read below; every other type (dynamic ...) is refused, not
        // approximated.
        var positionScale = 1.0
        var yarnScaling: YarnScaling?, longRopeScaling: LongRopeScaling?
        func positive(_ suffix: String, _ value: Float?, _ what: String) throws -> Double {
            guard let value, value.isFinite, value > 0 else {
                throw LlamaModelError.invalidHyperparameter(key: family.key(suffix), value: value.map { "\($0)" } ?? "missing",
                                                            reason: "\(what) must be positive and finite")
            }
            return Double(value)
        }
        func originalContext() throws -> Int {
            guard let n = try int(S.ropeScalingOriginalContext), n > 1, n <= Self.plausible.maxContextLength else {
                throw LlamaModelError.invalidHyperparameter(key: family.key(S.ropeScalingOriginalContext),
                    value: metadata(family.key(S.ropeScalingOriginalContext))?.description ?? "missing",
                    reason: "this RoPE scaling needs the original context length, in 2...\(Self.plausible.maxContextLength)")
            }
            return n
        }
        func makeLongRope() throws -> LongRopeScaling {
            let original = try originalContext()
            let context = try int(S.contextLength) ?? original
            return LongRopeScaling(
                originalContext: original,
                attentionFactor: try float(S.ropeScalingAttentionFactor).map { try positive(S.ropeScalingAttentionFactor, $0, "the attention factor") }
                    ?? LongRopeScaling.defaultAttentionFactor(context: context, originalContext: original))
        }
        let scalingType = metadata(family.key(S.ropeScalingType))
        if let v = scalingType {
            guard case let .string(type) = v else {
                throw LlamaModelError.invalidHyperparameter(key: family.key(S.ropeScalingType), value: v.description,
                                                            reason: "expected a string")
            }
            let factor = try float(S.ropeScalingFactor)
            switch type {
            case "none": break
            case "linear":
                guard let factor, factor.isFinite, factor > 0 else {
                    throw LlamaModelError.invalidHyperparameter(
                        key: family.key(S.ropeScalingFactor), value: factor.map { "\($0)" } ?? "missing",
                        reason: "linear rope scaling needs a positive factor")
                }
                positionScale = 1 / Double(factor)
            case "yarn" where family.localAttention == nil:
                // A file may set the ramp's bounds and the attention factor; an extrapolation mix other than
                // 1 or DeepSeek's log multiplier have no transformers counterpart here and are refused.
                if let ext = try float(S.yarnExtrapolationFactor), ext != 1 {
                    throw LlamaModelError.unsupportedMetadata(key: family.key(S.yarnExtrapolationFactor), value: "\(ext)")
                }
                if let mul = try float(S.yarnLogMultiplier), mul != 0 {
                    throw LlamaModelError.unsupportedMetadata(key: family.key(S.yarnLogMultiplier), value: "\(mul)")
                }
                yarnScaling = YarnScaling(
                    factor: try positive(S.ropeScalingFactor, factor, "the YaRN factor"),
                    originalContext: try originalContext(),
                    betaFast: try float(S.yarnBetaFast).map { try positive(S.yarnBetaFast, $0, "beta_fast") } ?? 32,
                    betaSlow: try float(S.yarnBetaSlow).map { try positive(S.yarnBetaSlow, $0, "beta_slow") } ?? 1,
                    attentionFactor: try float(S.yarnAttentionFactor).map { try positive(S.yarnAttentionFactor, $0, "the attention factor") })
            case "longrope" where family.longRopeTensors:
                longRopeScaling = try makeLongRope()
            default:
                throw LlamaModelError.unsupportedRopeScaling(key: family.key(S.ropeScalingType), type: type, factor: factor)
            }
        }

        if hasLongRopeFactors && longRopeScaling == nil {
            // The factors under another scaling would be applied on top of it, which no reference does.
            if let scalingType, scalingType != .string("none") {
                throw LlamaModelError.invalidHyperparameter(key: family.key(S.ropeScalingType), value: scalingType.description,
                                                            reason: "LongRoPE factor tensors come with no other rope scaling")
            }
            longRopeScaling = try makeLongRope()
        }

        // Separate key and value widths would need attention to read values of another width: refused.
        let keyLength = try int(S.keyLength), valueLength = try int(S.valueLength)
        if let keyLength, let valueLength, keyLength != valueLength {
            throw LlamaModelError.unsupportedMetadata(key: family.key(S.valueLength),
                                                      value: "\(valueLength) (key length \(keyLength))")
        }

        // Phi-3's window; 0 means none (llama.cpp's converter writes 0 for Phi-4).
        var window: Int?
        if family.slidingWindowKey, let w = try int(S.slidingWindow), w != 0 { window = w }

        // Gemma's soft caps: the file's, or llama.cpp's default where it has one; a cap of 0 is none.
        var attentionCap: Float?, finalCap: Float?
        if let rule = family.softCapping {
            if rule.readsAttentionCap { attentionCap = try float(S.attentionSoftCap) ?? rule.defaultAttentionCap }
            finalCap = try float(S.finalLogitSoftCap) ?? rule.defaultFinalCap
            for (suffix, cap) in [(S.attentionSoftCap, attentionCap), (S.finalLogitSoftCap, finalCap)] {
                if let cap, !(cap.isFinite && cap >= 0) {
                    throw LlamaModelError.invalidHyperparameter(key: family.key(suffix), value: "\(cap)",
                                                                reason: "a soft cap must be positive (0: none)")
                }
            }
            if attentionCap == 0 { attentionCap = nil }
            if finalCap == 0 { finalCap = nil }
        }

        let layerCount = try required(S.blockCount, int)
        let globalBase = try float(S.ropeBase) ?? 10000
        var local: LocalAttention?
        if let rule = family.localAttention, let w = try int(S.slidingWindow) ?? rule.defaultWindow, w > 0 {
            let layers: [Bool]
            switch metadata(family.key(S.slidingWindowPattern)) {
            case nil:
                layers = Self.localLayers(period: rule.defaultPeriod, count: layerCount)
            case let .array(.bool(flags))?:
                guard flags.count == layerCount else {
                    throw LlamaModelError.invalidHyperparameter(key: family.key(S.slidingWindowPattern), value: "\(flags.count) flags",
                                                                reason: "needs one flag per layer (\(layerCount))")
                }
                layers = flags
            case let v?:
                guard let period = v.intValue, period >= 0, period <= layerCount + 1 else {
                    throw LlamaModelError.invalidHyperparameter(key: family.key(S.slidingWindowPattern), value: v.description,
                                                                reason: "expected a period in 0...\(layerCount + 1) or one boolean per layer")
                }
                layers = Self.localLayers(period: period, count: layerCount)
            }
            let base = try float(S.ropeBaseLocal) ?? rule.defaultRopeBase ?? globalBase
            guard base.isFinite, Self.plausible.ropeBase.contains(base) else {
                throw LlamaModelError.invalidHyperparameter(key: family.key(S.ropeBaseLocal), value: "\(base)",
                    reason: "must be in \(Self.plausible.ropeBase.lowerBound)...\(Self.plausible.ropeBase.upperBound)")
            }
            local = LocalAttention(window: w, layers: layers, ropeBase: base,
                                   ropePositionScale: rule.scalesLocalPositions ? positionScale : 1)
        }

        let vocabulary: Int
        if let v = try int(S.vocabularySize) {
            vocabulary = v
        } else if case let .array(tokens)? = metadata(LlamaMetadataKey.tokens) {
            vocabulary = tokens.count
        } else {
            throw LlamaModelError.missingMetadata(key: family.key(S.vocabularySize))
        }
        try self.init(
            layerCount: layerCount,
            embeddingLength: try required(S.embeddingLength, int),
            feedForwardLength: try required(S.feedForwardLength, int),
            headCount: try required(S.headCount, int),
            kvHeadCount: try int(S.kvHeadCount) ?? required(S.headCount, int),
            headDimension: keyLength ?? valueLength,
            rmsEpsilon: try required(S.rmsEpsilon, float),
            ropeBase: globalBase,
            ropeDimension: try int(S.ropeDimension),
            ropePositionScale: positionScale,
            contextLength: try required(S.contextLength, int),
            vocabularySize: vocabulary,
            slidingWindow: window,
            family: family)
        localAttention = local
        yarn = yarnScaling
        longRope = longRopeScaling
        attentionSoftCap = attentionCap
        finalLogitSoftCap = finalCap
    }

    /// llama.cpp's `set_swa_pattern`: with period `n`, layer `l` is local iff `l % n < n − 1` (the last of each
    /// `n` is global); a period of 0 makes every layer local, 1 none.
    static func localLayers(period: Int, count: Int) -> [Bool] {
        (0..<count).map { period == 0 || $0 % period < period - 1 }
    }
}

/// The GGUF metadata keys a llama-style model is described by. The static keys are the llama family's;
/// every family uses the same suffixes after its own architecture name (`TransformerFamily.key`).
public enum LlamaMetadataKey {
    public static let architecture = "general.architecture"
    public static let tokens = "tokenizer.ggml.tokens"

    /// What follows `<architecture>.` in each key.
    public enum Suffix {
        public static let blockCount = "block_count"
        public static let embeddingLength = "embedding_length"
        public static let feedForwardLength = "feed_forward_length"
        public static let headCount = "attention.head_count"
        public static let kvHeadCount = "attention.head_count_kv"
        public static let keyLength = "attention.key_length"
        public static let valueLength = "attention.value_length"
        public static let rmsEpsilon = "attention.layer_norm_rms_epsilon"
        public static let ropeBase = "rope.freq_base"
        public static let ropeDimension = "rope.dimension_count"
        public static let ropeScalingType = "rope.scaling.type"
        public static let ropeScalingFactor = "rope.scaling.factor"
        public static let contextLength = "context_length"
        public static let vocabularySize = "vocab_size"
        public static let ropeScalingOriginalContext = "rope.scaling.original_context_length"
        /// LongRoPE's attention factor (read under `rope.scaling.type = longrope`).
        public static let ropeScalingAttentionFactor = "rope.scaling.attn_factor"
        /// YaRN's parameters (read under `rope.scaling.type = yarn`).
        public static let yarnBetaFast = "rope.scaling.yarn_beta_fast"
        public static let yarnBetaSlow = "rope.scaling.yarn_beta_slow"
        public static let yarnAttentionFactor = "rope.scaling.yarn_attn_factor"
        public static let yarnExtrapolationFactor = "rope.scaling.yarn_ext_factor"
        public static let yarnLogMultiplier = "rope.scaling.yarn_log_multiplier"
        /// Read only by families with `slidingWindowKey` or `localAttention`; refused in any other family's file.
        public static let slidingWindow = "attention.sliding_window"
        /// Which layers are local: a period or one boolean per layer (families with `localAttention`).
        public static let slidingWindowPattern = "attention.sliding_window_pattern"
        /// The local layers' RoPE base (families with `localAttention`).
        public static let ropeBaseLocal = "rope.freq_base_swa"
        /// Soft caps (families with `softCapping`; the attention cap only where it `readsAttentionCap`).
        public static let attentionSoftCap = "attn_logit_softcapping"
        public static let finalLogitSoftCap = "final_logit_softcapping"

        /// The suffixes the model reads.
        static let read: Set<String> = [
            blockCount, embeddingLength, feedForwardLength, headCount, kvHeadCount, keyLength, valueLength, rmsEpsilon,
            ropeBase, ropeDimension, ropeScalingType, ropeScalingFactor, contextLength, vocabularySize,
        ]
    }

    private static func llama(_ suffix: String) -> String { TransformerFamily.llama.key(suffix) }
    public static let blockCount = llama(Suffix.blockCount)
    public static let embeddingLength = llama(Suffix.embeddingLength)
    public static let feedForwardLength = llama(Suffix.feedForwardLength)
    public static let headCount = llama(Suffix.headCount)
    public static let kvHeadCount = llama(Suffix.kvHeadCount)
    public static let rmsEpsilon = llama(Suffix.rmsEpsilon)
    public static let ropeBase = llama(Suffix.ropeBase)
    public static let ropeDimension = llama(Suffix.ropeDimension)
    public static let ropeScalingType = llama(Suffix.ropeScalingType)
    public static let ropeScalingFactor = llama(Suffix.ropeScalingFactor)
    public static let contextLength = llama(Suffix.contextLength)
    public static let vocabularySize = llama(Suffix.vocabularySize)
}
