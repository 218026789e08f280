import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures

/// What `sequitur inspect` reports about a GGUF file, derived from its header alone (no weights are read).
///
/// Works for full models and for vocabulary-only files (tokenizer metadata and no tensors).
public struct ModelSummary: Codable, Sendable, Equatable {
    public struct Tensor: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        /// Outermost dimension first: `rows × columns` for a matrix, as transformers shows it and as every
        /// Sequitur error writes shapes (GGUF's `ne` reversed, so `token_embd.weight` is vocabulary × d).
        public var shape: [Int]
        public var bytes: Int
    }

    public struct TypeShare: Codable, Sendable, Equatable {
        public var type: String
        public var tensors: Int
        public var parameters: Int
        public var bytes: Int
    }

    public struct TokenizerSummary: Codable, Sendable, Equatable {
        public var model: String?
        public var preTokenizer: String?
        public var vocabularySize: Int
        public var mergeCount: Int
        public var bosTokenID: Int?
        public var eosTokenID: Int?
        public var controlTokens: [String]
        public var hasChatTemplate: Bool
    }

    public var path: String?
    public var fileBytes: Int
    public var ggufVersion: Int
    public var architecture: String?
    public var name: String?
    /// The `<architecture>.*` metadata, key without the prefix → value as text.
    public var hyperparameters: [String: String]
    public var blockCount: Int?
    public var embeddingLength: Int?
    public var headCount: Int?
    public var keyValueHeadCount: Int?
    public var contextLength: Int?
    public var parameterCount: Int
    public var tensorCount: Int
    public var tensors: [Tensor]
    public var quantization: [TypeShare]
    public var tokenizer: TokenizerSummary?
    /// Why Sequitur would refuse to run this file (no architecture plugin, a tensor or metadata key the model
    /// does not read, a bad hyperparameter), or nil when the checks made before loading pass. Vocabulary-only
    /// files report their missing architecture here too.
    public var refusal: String?
    /// What of its family's math this file turns on, in words ("NEOX rope", "Q/K/V biases", "Llama 3
    /// rope_freqs.weight (64 frequency factors)", ...); empty when the file is refused or has no family.
    public var features: [String]

    public init(file: GGUFFile) throws {
        path = file.path
        fileBytes = file.fileSize
        ggufVersion = file.version
        let arch = try file.optionalString("general.architecture")
        architecture = arch
        name = try file.optionalString("general.name")
        var hp: [String: String] = [:]
        if let arch {
            for key in file.metadataKeys where key.hasPrefix(arch + ".") {
                hp[String(key.dropFirst(arch.count + 1))] = file.metadata[key]?.description
            }
            blockCount = try file.optionalInt(arch + ".block_count")
            embeddingLength = try file.optionalInt(arch + ".embedding_length")
            headCount = try file.optionalInt(arch + ".attention.head_count")
            keyValueHeadCount = try file.optionalInt(arch + ".attention.head_count_kv")
            contextLength = try file.optionalInt(arch + ".context_length")
        }
        hyperparameters = hp
        tensors = file.tensors.map { Tensor(name: $0.name, type: $0.type.description, shape: $0.dimensions.reversed(), bytes: $0.byteCount) }
        tensorCount = file.tensors.count
        parameterCount = file.tensors.reduce(0) { $0 + $1.elementCount }
        var shares: [String: TypeShare] = [:]
        for t in file.tensors {
            let key = t.type.description
            var s = shares[key] ?? TypeShare(type: key, tensors: 0, parameters: 0, bytes: 0)
            s.tensors += 1
            s.parameters += t.elementCount
            s.bytes += t.byteCount
            shares[key] = s
        }
        quantization = shares.values.sorted { $0.bytes > $1.bytes }
        refusal = Self.refusal(of: file)
        features = refusal == nil ? Self.features(of: file) : []
        if file.metadata["tokenizer.ggml.tokens"] != nil {
            let tokens = try file.stringArray("tokenizer.ggml.tokens")
            let types = try file.optionalIntArray("tokenizer.ggml.token_type") ?? []
            // Type 3 is "control" in GGUF's token-type enumeration.
            let control = types.enumerated().filter { $0.element == 3 && $0.offset < tokens.count }.map { tokens[$0.offset] }
            tokenizer = TokenizerSummary(
                model: try file.optionalString("tokenizer.ggml.model"),
                preTokenizer: try file.optionalString("tokenizer.ggml.pre"),
                vocabularySize: tokens.count,
                mergeCount: (try? file.array("tokenizer.ggml.merges"))?.count ?? 0,
                bosTokenID: try file.optionalInt("tokenizer.ggml.bos_token_id"),
                eosTokenID: try file.optionalInt("tokenizer.ggml.eos_token_id"),
                controlTokens: control,
                hasChatTemplate: file.metadata["tokenizer.chat_template"] != nil
            )
        }
    }

    /// The checks `ModelRuntime` makes before it loads a file's weights, as text; nil when they pass.
    static func refusal(of file: GGUFFile, architectures: ArchitectureRegistry = .standard) -> String? {
        do {
            let plugin = try architectures.plugin(for: file)
            if let family = TransformerFamily.family(named: plugin.name) { _ = try LlamaModel.check(file, family: family) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// "0-4, 6-10" for layer indices.
    static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = [], start: Int?, last = -2
        for i in indices + [Int.min] {
            if i == last + 1 { last = i; continue }
            if let s = start { parts.append(s == last ? "\(s)" : "\(s)-\(last)") }
            start = i
            last = i
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// The family features a file that passes `refusal(of:)` uses.
    static func features(of file: GGUFFile) -> [String] {
        guard case let .string(name)? = file.metadata[ArchitectureRegistry.architectureKey],
              let family = TransformerFamily.family(named: name),
              let hp = try? LlamaHyperparameters(file: file, family: family) else { return [] }
        var features = ["family \(family.architecture)"]
        features.append(family.ropePairing == .adjacent ? "RoPE on adjacent pairs (GGML normal)" : "RoPE on halves (NEOX)")
        features.append("RoPE base \(hp.ropeBase), \(hp.ropeDimension) of \(hp.headDimension) head dimensions")
        if hp.ropePositionScale != 1 { features.append("linear RoPE scaling, factor \(1 / hp.ropePositionScale)") }
        if let yarn = hp.yarn {
            features.append("YaRN RoPE scaling, factor \(yarn.factor) over an original context of \(yarn.originalContext), beta \(yarn.betaFast)/\(yarn.betaSlow), attention factor \(yarn.attentionFactor)")
        }
        if let longRope = hp.longRope {
            features.append("LongRoPE with its short factors (\(LlamaTensorName.ropeFactorsShort)), attention factor \(longRope.attentionFactor), contexts capped at the original \(longRope.originalContext) tokens")
        }
        if family.ropeFrequencyTensor, let t = file.tensor(named: LlamaTensorName.ropeFrequencies) {
            features.append("Llama 3 RoPE frequency factors (\(LlamaTensorName.ropeFrequencies), \(t.elementCount) values)")
        }
        if family.attentionBias { features.append("Q, K and V biases") }
        if family.queryKeyNorm { features.append("per-head RMSNorm of Q and K") }
        if family.fusedProjections { features.append("fused QKV and gate/up projections (read as row ranges)") }
        if let factor = hp.embeddingScale { features.append("token embedding scaled by √\(hp.embeddingLength) = \(factor)") }
        if family.postNorms { features.append("RMSNorm after attention and after the feed-forward as well as before") }
        if family.activation == .geluTanh { features.append("GeGLU feed-forward (GELU, tanh approximation)") }
        if let cap = hp.attentionSoftCap { features.append("attention scores soft-capped at \(cap)") }
        if let cap = hp.finalLogitSoftCap { features.append("final logits soft-capped at \(cap)") }
        if let local = hp.localAttention {
            let indices = local.layers.indices.filter { local.layers[$0] }
            features.append("sliding window of \(local.window) positions on \(indices.count) of \(hp.layerCount) layers (local: \(Self.ranges(indices))), RoPE base \(local.ropeBase) there")
        }
        if hp.attentionScale != 1 / Float(hp.headDimension).squareRoot() {
            features.append("queries scaled by \(hp.attentionScale) (1/√(d/heads), Gemma's 27B rule)")
        }
        if let window = hp.slidingWindow {
            features.append("sliding window of \(window) positions: contexts capped at \(hp.exactContextLength) tokens, where full attention is exactly windowed attention")
        }
        if hp.headDimension * hp.headCount != hp.embeddingLength {
            features.append("head dimension \(hp.headDimension) (\(hp.headCount) heads over an embedding of \(hp.embeddingLength))")
        }
        if hp.kvHeadCount != hp.headCount { features.append("grouped-query attention, \(hp.headCount) query heads over \(hp.kvHeadCount) key/value heads") }
        features.append(file.tensor(named: LlamaTensorName.outputHead) == nil ? "output head tied to the token embedding" : "separate output head")
        return features
    }
}
