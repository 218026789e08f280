import SequiturCore
import SequiturGGUF

extension LlamaHyperparameters {
    /// The hyperparameters of a `family` GGUF file; errors name the missing or invalid key. An
    /// `<architecture>.*` key this implementation does not read is refused (`unsupportedMetadata`), unless it
    /// holds the value that changes nothing (no experts).
    public init(file: GGUFFile, family: TransformerFamily = .llama) throws {
        let factors = family.longRopeTensors
            && (file.tensor(named: LlamaTensorName.ropeFactorsShort) != nil || file.tensor(named: LlamaTensorName.ropeFactorsLong) != nil)
        try self.init(metadata: { file.metadata[$0] }, family: family, hasLongRopeFactors: factors)
        let hyperparameters = self
        let prefix = family.architecture + "."
        for key in file.metadataKeys where key.hasPrefix(prefix) {
            let suffix = String(key.dropFirst(prefix.count))
            if LlamaMetadataKey.Suffix.read.contains(suffix) { continue }
            if family.reads(suffix) { continue }
            typealias S = LlamaMetadataKey.Suffix
            // The parameters of the scaling `init(metadata:)` read (and checked).
            if hyperparameters.yarn != nil, [S.yarnBetaFast, S.yarnBetaSlow, S.yarnAttentionFactor, S.yarnExtrapolationFactor,
                                               S.yarnLogMultiplier].contains(suffix) { continue }
            if hyperparameters.longRope != nil, suffix == S.ropeScalingAttentionFactor { continue }
            let value = file.metadata[key]
            let harmless: Bool
            switch suffix {
            case "expert_count", "expert_used_count":
                harmless = value?.intValue == 0
            case "rope.scaling.original_context_length", "rope.scaling.finetuned":
                // Descriptions of a scaling that `ropeScalingType` has already been checked to be implemented
                // (YaRN and LongRoPE read the original context length; none and linear read neither).
                harmless = true
            default:
                harmless = false
            }
            if !harmless {
                throw LlamaModelError.unsupportedMetadata(key: key, value: value.map { "\($0)" } ?? "?")
            }
        }
    }
}

extension LlamaModel {
    /// The file's hyperparameters, after checking from the header alone that a `family` model reads every
    /// tensor and `<architecture>.*` key in it and finds every tensor it needs in the shape it needs: what
    /// `init(file:)` checks before uploading any weight, and what `sequitur inspect` reports without loading.
    /// A tensor the model does not read is `unusedTensor`: a model run without it would score silently wrong.
    public static func check(_ file: GGUFFile, family: TransformerFamily = .llama) throws -> LlamaHyperparameters {
        let hyperparameters = try LlamaHyperparameters(file: file, family: family)
        let expected = LlamaTensorName.expected(hyperparameters)
        let read = Set(expected.map(\.name))
        let unused = file.tensors.map(\.name).filter { !read.contains($0) }
        if let first = unused.first { throw LlamaModelError.unusedTensor(name: first, others: unused.count - 1) }
        // LongRoPE needs both factor tensors: one alone, or a longrope type with neither, cannot be computed.
        if family.longRopeTensors {
            for name in [LlamaTensorName.ropeFactorsShort, LlamaTensorName.ropeFactorsLong] {
                let present = file.tensor(named: name) != nil
                if !present && hyperparameters.longRope != nil { throw LlamaModelError.missingTensor(name: name) }
            }
        }
        for tensor in expected {
            guard let info = file.tensor(named: tensor.name) else {
                if tensor.isOptional { continue }
                throw LlamaModelError.missingTensor(name: tensor.name)
            }
            // Weights are matrices or vectors; a 3-D tensor of the right element count is still wrong.
            guard info.dimensions.count <= 2, info.rows == tensor.rows, info.columns == tensor.columns else {
                let actual = info.dimensions.count <= 2 ? "\(info.rows) × \(info.columns)"
                    : info.dimensions.reversed().map(String.init).joined(separator: " × ")
                throw LlamaModelError.tensorShape(name: tensor.name, expected: "\(tensor.rows) × \(tensor.columns)",
                                                  actual: actual)
            }
        }
        return hyperparameters
    }

    /// Loads a `family` GGUF file after `check(file, family:)`: reads and checks every tensor's shape, then
    /// uploads the weights to `backend` once.
    public convenience init(file: GGUFFile, family: TransformerFamily = .llama, backend: any Backend,
                            vocabulary: any Vocabulary, kvBlockSize: Int = 4) throws {
        let hyperparameters = try Self.check(file, family: family)
        try self.init(hyperparameters: hyperparameters, backend: backend, vocabulary: vocabulary,
                      kvBlockSize: kvBlockSize) { name in
            // `check` has already matched every tensor's shape against the model's.
            file.tensor(named: name) == nil ? nil : try file.weight(named: name)
        }
    }
}
