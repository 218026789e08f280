import SequiturCore
import SequiturGGUF

extension LlamaHyperparameters {
    /// The hyperparameters of a llama GGUF file; errors name the missing or invalid key. A `llama.*` key this
    /// implementation does not read is refused (`unsupportedMetadata`), unless it holds the value that changes
    /// nothing (no experts, key and value lengths equal to the head dimension).
    public init(file: GGUFFile) throws {
        try self.init(metadata: { file.metadata[$0] })
        for key in file.metadataKeys where key.hasPrefix("llama.") && !LlamaMetadataKey.read.contains(key) {
            let value = file.metadata[key]
            let harmless: Bool
            switch key {
            case "llama.expert_count", "llama.expert_used_count":
                harmless = value?.intValue == 0
            case "llama.attention.key_length", "llama.attention.value_length":
                harmless = value?.intValue == headDimension
            case "llama.rope.scaling.original_context_length", "llama.rope.scaling.finetuned":
                // Descriptions of a scaling that `ropeScalingType` has already been checked to be the identity.
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
    /// Loads a llama GGUF file: reads and checks the hyperparameters and every tensor's shape, then uploads the
    /// weights to `backend` once.
    /// The file's hyperparameters, after checking that the model reads every tensor and `llama.*` key in it:
    /// what `init(file:)` checks before uploading any weight, and what `sequitur inspect` reports without
    /// loading. A tensor the model does not read is `unusedTensor`: a model run without it would score silently
    /// wrong.
    public static func check(_ file: GGUFFile) throws -> LlamaHyperparameters {
        let hyperparameters = try LlamaHyperparameters(file: file)
        let read = Set(LlamaTensorName.all(layers: hyperparameters.layerCount))
        let unused = file.tensors.map(\.name).filter { !read.contains($0) }
        if let first = unused.first { throw LlamaModelError.unusedTensor(name: first, others: unused.count - 1) }
        return hyperparameters
    }

    /// Loads after `check(file)`.
    public convenience init(file: GGUFFile, backend: any Backend, vocabulary: any Vocabulary,
                            kvBlockSize: Int = 4) throws {
        let hyperparameters = try Self.check(file)
        try self.init(hyperparameters: hyperparameters, backend: backend, vocabulary: vocabulary,
                      kvBlockSize: kvBlockSize) { name in
            guard let info = file.tensor(named: name) else { return nil }
            // Weights are matrices or vectors; a 3-D tensor of the right element count is still wrong.
            guard info.dimensions.count <= 2 else {
                throw LlamaModelError.tensorShape(name: name, expected: "a matrix",
                                                  actual: info.dimensions.reversed().map(String.init).joined(separator: " × "))
            }
            return try file.weight(named: name)
        }
    }
}
