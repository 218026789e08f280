import SequiturCore
import SequiturCPU
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import SequiturDiagnostics
import Testing

/// Bad requests and bad model files are clear errors that leave every state as it was.
@Suite struct LlamaValidationTests {
    @Test func rejectsBadRequestsWithoutChangingStates() throws {
        let file = try TinyLlama.file(seed: 3)
        let model = try TinyLlama.model(file)
        let other = try TinyLlama.model(file)
        let s = model.makeState()
        _ = try model.extend([ExtensionRequest(state: s, tokens: [1, 2, 3])])
        let t = model.makeState()
        let vocab = SyntheticLlamaShape.tiny.vocabularySize

        #expect(throws: LanguageModelError.tokenOutOfRange(token: TokenID(vocab), vocabularySize: vocab)) {
            try model.extend([ExtensionRequest(state: t, tokens: [4]), ExtensionRequest(state: s, tokens: [5, TokenID(vocab)])])
        }
        #expect(throws: LanguageModelError.tokenOutOfRange(token: -1, vocabularySize: vocab)) {
            try model.extend([ExtensionRequest(state: s, tokens: [-1])])
        }
        let tooMany = [TokenID](repeating: 9, count: model.contextLength - 2)
        #expect(throws: LanguageModelError.contextOverflow(length: model.contextLength + 1, contextLength: model.contextLength)) {
            try model.extend([ExtensionRequest(state: s, tokens: tooMany)])
        }
        #expect(throws: LanguageModelError.duplicateState(index: 2)) {
            try model.extend([ExtensionRequest(state: s, tokens: [1]), ExtensionRequest(state: t, tokens: [1]),
                              ExtensionRequest(state: s, tokens: [2])])
        }
        #expect(throws: LanguageModelError.foreignState) {
            try model.extend([ExtensionRequest(state: other.makeState(), tokens: [1])])
        }
        #expect(s.tokens == [1, 2, 3] && t.tokens.isEmpty)
        #expect(model.processedTokenCount == 3)

        // The same state continues exactly where it was after the rejected calls.
        let fresh = model.makeState()
        let next = try model.extend([ExtensionRequest(state: s, tokens: [4], lastQuery: .full)])[0]
        let whole = try model.extend([ExtensionRequest(state: fresh, tokens: [1, 2, 3, 4], lastQuery: .full)])[0]
        #expect(next.last == whole.last)
    }

    @Test func contextLengthItselfIsAccepted() throws {
        var shape = SyntheticLlamaShape.tiny
        shape.contextLength = 40
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(shape, seed: 1))
        let model = try TinyLlama.model(file)
        let s = model.makeState()
        _ = try model.extend([ExtensionRequest(state: s, tokens: TinyLlama.tokens(40, seed: 1))])
        #expect(throws: LanguageModelError.contextOverflow(length: 41, contextLength: 40)) {
            try model.extend([ExtensionRequest(state: s, tokens: [1])])
        }
    }

    // MARK: Hyperparameters

    private static let metadata: [String: GGUFValue] = [
        "general.architecture": .string("llama"), "llama.block_count": .uint32(2),
        "llama.embedding_length": .uint32(64), "llama.feed_forward_length": .uint32(160),
        "llama.attention.head_count": .uint32(4), "llama.attention.head_count_kv": .uint32(2),
        "llama.attention.layer_norm_rms_epsilon": .float32(1e-5), "llama.context_length": .uint32(256),
        "llama.vocab_size": .uint32(300),
    ]

    @Test func readsHyperparametersWithDefaults() throws {
        let hp = try LlamaHyperparameters(metadata: { Self.metadata[$0] })
        #expect(hp.layerCount == 2 && hp.embeddingLength == 64 && hp.feedForwardLength == 160)
        #expect(hp.headCount == 4 && hp.kvHeadCount == 2 && hp.headDimension == 16 && hp.kvDimension == 32)
        #expect(hp.ropeBase == 10000 && hp.ropeDimension == 16, "defaults: base 10000, the whole head")
        #expect(hp.contextLength == 256 && hp.vocabularySize == 300)

        var m = Self.metadata
        m["llama.vocab_size"] = nil
        m["tokenizer.ggml.tokens"] = .array(.string(["a", "b", "c"]))
        #expect(try LlamaHyperparameters(metadata: { m[$0] }).vocabularySize == 3, "falls back to the token count")
    }

    /// The error reading `metadata` after `change` gives, or nil when it reads.
    static func hyperparameterError(_ change: (inout [String: GGUFValue]) -> Void) -> LlamaModelError? {
        var m = metadata
        change(&m)
        do {
            _ = try LlamaHyperparameters(metadata: { m[$0] })
            return nil
        } catch { return error as? LlamaModelError }
    }

    @Test func hyperparameterErrorsNameTheKey() throws {
        let error = Self.hyperparameterError
        #expect(error { $0["general.architecture"] = .string("gpt2") } == .wrongArchitecture("gpt2", expected: "llama"))
        #expect(error { $0["llama.block_count"] = nil } == .missingMetadata(key: "llama.block_count"))
        #expect(error { $0["llama.attention.layer_norm_rms_epsilon"] = nil }
                == .missingMetadata(key: "llama.attention.layer_norm_rms_epsilon"))
        #expect(error { $0["llama.attention.head_count_kv"] = .uint32(3) }?.description.contains("head_count_kv") == true)
        #expect(error { $0["llama.embedding_length"] = .string("wide") }?.description.contains("llama.embedding_length") == true)
        #expect(error { $0["llama.rope.scaling.type"] = .string("yarn") }
                == .invalidHyperparameter(key: "llama.rope.scaling.factor", value: "missing", reason: "the YaRN factor must be positive and finite"))
        #expect(error { $0["llama.rope.scaling.type"] = .string("dynamic") }
                == .unsupportedRopeScaling(key: "llama.rope.scaling.type", type: "dynamic", factor: nil))
        #expect(error {
            $0["llama.rope.scaling.type"] = .string("longrope")
            $0["llama.rope.scaling.factor"] = .float32(4)
        } == .unsupportedRopeScaling(key: "llama.rope.scaling.type", type: "longrope", factor: 4))
        var linear = Self.metadata
        linear["llama.rope.scaling.type"] = .string("linear")
        linear["llama.rope.scaling.factor"] = .float32(4)
        #expect(try LlamaHyperparameters(metadata: { linear[$0] }).ropePositionScale == 0.25, "linear scaling divides positions")
        #expect(error { $0["llama.rope.scaling.type"] = .string("linear") }
                == .invalidHyperparameter(key: "llama.rope.scaling.factor", value: "missing", reason: "linear rope scaling needs a positive factor"))
        #expect(error {
            $0["llama.rope.scaling.type"] = .string("linear")
            $0["llama.rope.scaling.factor"] = .float32(1)
        } == nil, "linear scaling by 1 changes nothing")
    }

    /// Values no real model has are refused by key, before anything is sized by them.
    @Test func implausibleHyperparametersAreRefusedByKey() throws {
        func key(_ change: (inout [String: GGUFValue]) -> Void) -> String? {
            switch Self.hyperparameterError(change) {
            case nil: return nil
            case let .invalidHyperparameter(key, _, _)?: return key
            case let other?: return "other: \(other)"
            }
        }
        #expect(key { $0["llama.attention.layer_norm_rms_epsilon"] = .float32(1e30) } == "llama.attention.layer_norm_rms_epsilon")
        #expect(key { $0["llama.rope.freq_base"] = .float32(1e-30) } == "llama.rope.freq_base")
        #expect(key { $0["llama.rope.freq_base"] = .float32(1e38) } == "llama.rope.freq_base")
        #expect(key { $0["llama.context_length"] = .uint32(UInt32.max) } == "llama.context_length")
        #expect(key { $0["llama.block_count"] = .uint32(1_000_000_000) } == "llama.block_count")
        // What real models use stays accepted.
        #expect(key { $0["llama.rope.freq_base"] = .float32(500_000) } == nil, "Llama 3")
        #expect(key { $0["llama.context_length"] = .uint32(131_072) } == nil)
        #expect(key { $0["llama.attention.layer_norm_rms_epsilon"] = .float32(1e-6) } == nil)
    }

    @Test func missingOrMisshapenTensorsAreNamed() throws {
        let file = try TinyLlama.file(seed: 4)
        let hp = try LlamaHyperparameters(file: file)
        func load(_ lookup: @escaping (String) throws -> WeightTensor?) -> LlamaModelError? {
            do {
                _ = try LlamaModel(hyperparameters: hp, backend: CPUBackend(threads: 1),
                                   vocabulary: AnonymousVocabulary(count: hp.vocabularySize), weight: lookup)
                return nil
            } catch { return error as? LlamaModelError }
        }
        let real: (String) throws -> WeightTensor? = { file.tensor(named: $0) == nil ? nil : try file.weight(named: $0) }
        #expect(load { $0 == "blk.1.ffn_up.weight" ? nil : try real($0) } == .missingTensor(name: "blk.1.ffn_up.weight"))
        #expect(load { $0 == "blk.0.attn_k.weight" ? try real("blk.0.attn_q.weight") : try real($0) }
                == .tensorShape(name: "blk.0.attn_k.weight", expected: "32 × 64", actual: "64 × 64"))
        #expect(load(real) == nil)
    }

    /// Llama 3's `rope_freqs.weight` is read: factors of 1 change no bit, a wrong length or a zero factor is
    /// refused by name (FamilyReferenceTests holds the real Llama 3 file to transformers).
    @Test func ropeFrequencyFactorsAreReadAndChecked() throws {
        let vocabulary = AnonymousVocabulary(count: SyntheticLlamaShape.tiny.vocabularySize)
        let pairs = SyntheticLlamaShape.tiny.embeddingLength / SyntheticLlamaShape.tiny.heads / 2
        func model(_ factors: [Float]?) throws -> LlamaModel {
            try LlamaModel(file: GGUFFile(bytes: SyntheticModels.llamaGGUF(
                .tiny, seed: 4, extraTensors: factors.map { ["rope_freqs.weight": $0] } ?? [:])),
                backend: CPUBackend(threads: 1), vocabulary: vocabulary)
        }
        func answers(_ m: LlamaModel) throws -> [PositionLogProbs?] {
            let ids: [TokenID] = [3, 9, 4, 17, 2, 30, 8]
            return try m.extend([ExtensionRequest(state: m.makeState(), tokens: ids,
                                                  queries: ids.map { PositionQuery(targets: [$0], topK: 3) })])[0].answers
        }
        #expect(try answers(model([Float](repeating: 1, count: pairs))) == answers(model(nil)))
        #expect(try answers(model((0..<pairs).map { 1 + Float($0) })) != answers(model(nil)))
        #expect(throws: LlamaModelError.tensorShape(name: "rope_freqs.weight", expected: "1 × \(pairs)", actual: "1 × \(pairs + 1)")) {
            try model([Float](repeating: 1, count: pairs + 1))
        }
        var zero = [Float](repeating: 1, count: pairs)
        zero[2] = 0
        #expect(throws: LlamaModelError.invalidTensor(name: "rope_freqs.weight",
                                                     reason: "rope frequency factor 2 is 0.0; each must be positive and finite")) {
            try model(zero)
        }
    }

    /// A tensor the architecture does not read would be silently ignored (a bias, an extra norm): it is refused by
    /// name before any weight is uploaded.
    @Test func tensorsTheArchitectureDoesNotReadAreRefusedByName() throws {
        let vocabulary = AnonymousVocabulary(count: SyntheticLlamaShape.tiny.vocabularySize)
        let qkNorm = try GGUFFile(bytes: SyntheticModels.llamaGGUF(
            .tiny, seed: 4, extraTensors: ["blk.0.attn_q_norm.weight": [Float](repeating: 1, count: 8)]))
        #expect(throws: LlamaModelError.unusedTensor(name: "blk.0.attn_q_norm.weight", others: 0)) {
            try LlamaModel(file: qkNorm, backend: CPUBackend(threads: 1), vocabulary: vocabulary)
        }
        let biases = try GGUFFile(bytes: SyntheticModels.llamaGGUF(
            .tiny, seed: 4, extraTensors: ["blk.0.attn_q.bias": [Float](repeating: 0.5, count: 64),
                                           "blk.1.attn_q.bias": [Float](repeating: 0.5, count: 64)]))
        #expect(throws: LlamaModelError.unusedTensor(name: "blk.0.attn_q.bias", others: 1)) {
            try LlamaModel(file: biases, backend: CPUBackend(threads: 1), vocabulary: vocabulary)
        }
        // A block count below the file's blocks leaves the rest unread: refused too.
        let fewer = try GGUFFile(bytes: SyntheticModels.llamaGGUF(
            .tiny, seed: 4, overriding: [LlamaMetadataKey.blockCount: .uint32(UInt32(SyntheticLlamaShape.tiny.layers - 1))]))
        #expect(throws: LlamaModelError.self) {
            try LlamaModel(file: fewer, backend: CPUBackend(threads: 1), vocabulary: vocabulary)
        }
        #expect(try LlamaModel(file: try TinyLlama.file(seed: 4), backend: CPUBackend(threads: 1), vocabulary: vocabulary)
            .hyperparameters.layerCount == SyntheticLlamaShape.tiny.layers)
    }

    /// A `llama.*` key the model does not read may change the math (a sliding window, soft-capping, experts):
    /// refused by name, unless it holds the value that changes nothing.
    @Test func metadataTheModelDoesNotReadIsRefusedByName() throws {
        func hyperparameters(_ extra: [String: GGUFValue]) throws -> LlamaHyperparameters {
            try LlamaHyperparameters(file: GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 4, overriding: extra)))
        }
        let headDimension = SyntheticLlamaShape.tiny.embeddingLength / SyntheticLlamaShape.tiny.heads
        #expect(throws: LlamaModelError.unsupportedMetadata(key: "llama.attention.sliding_window", value: "4096")) {
            try hyperparameters(["llama.attention.sliding_window": .uint32(4096)])
        }
        #expect(throws: LlamaModelError.unsupportedMetadata(key: "llama.expert_count", value: "8")) {
            try hyperparameters(["llama.expert_count": .uint32(8)])
        }
        #expect(throws: LlamaModelError.self) { try hyperparameters(["llama.final_logit_softcapping": .float32(30)]) }
        // A key length of its own is read (Qwen 3 and Mistral Nemo have one); values of another width are not.
        #expect(try hyperparameters(["llama.attention.key_length": .uint32(UInt32(headDimension * 2))]).headDimension == headDimension * 2)
        #expect(throws: LlamaModelError.unsupportedMetadata(key: "llama.attention.value_length",
                                                           value: "\(headDimension) (key length \(headDimension * 2))")) {
            try hyperparameters(["llama.attention.key_length": .uint32(UInt32(headDimension * 2)),
                                 "llama.attention.value_length": .uint32(UInt32(headDimension))])
        }
        // Values that change nothing load.
        let fine = try hyperparameters(["llama.expert_count": .uint32(0), "llama.attention.key_length": .uint32(UInt32(headDimension)),
                                        "llama.attention.value_length": .uint32(UInt32(headDimension))])
        #expect(fine.headDimension == headDimension)
    }
}
