import SequiturCore
import SequiturGGUF

extension LlamaHyperparameters {
    /// The hyperparameters of a llama GGUF file; errors name the missing or invalid key.
    public init(file: GGUFFile) throws {
        try self.init(metadata: { file.metadata[$0] })
    }
}

extension LlamaModel {
    /// Loads a llama GGUF file: reads and checks the hyperparameters and every tensor's shape, then uploads the
    /// weights to `backend` once.
    /// A tensor the architecture does not read is an error (`unusedTensor`), checked before any weight is
    /// uploaded: a model run without it would score silently wrong.
    public convenience init(file: GGUFFile, backend: any Backend, vocabulary: any Vocabulary,
                            kvBlockSize: Int = 16) throws {
        let hyperparameters = try LlamaHyperparameters(file: file)
        let read = Set(LlamaTensorName.all(layers: hyperparameters.layerCount))
        let unused = file.tensors.map(\.name).filter { !read.contains($0) }
        if let first = unused.first { throw LlamaModelError.unusedTensor(name: first, others: unused.count - 1) }
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
