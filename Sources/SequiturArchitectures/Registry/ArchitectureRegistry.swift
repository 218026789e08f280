import SequiturCore
import SequiturGGUF

/// A model architecture by its GGUF `general.architecture` value, and how to build its model: from its file, on
/// a backend, with the file's tokenizer as its vocabulary. The factory reads and checks its own hyperparameters
/// and tensors, and must refuse (throw) rather than ignore any it cannot use.
public typealias ArchitecturePlugin = Plugin<@Sendable (GGUFFile, any Backend, any Vocabulary) throws -> any LanguageModel>

/// Model architectures by their GGUF `general.architecture` key, as mlx-swift-lm's `LLMTypeRegistry` keys its
/// model types: one file per architecture declares a plugin with a `create` function, and a runtime builds
/// whatever the file says it is. Nothing else in Sequitur switches on architecture names, so an architecture
/// written in another package plugs in by registering its plugin:
///
/// ```swift
/// var architectures = ArchitectureRegistry.standard
/// architectures.register(ArchitecturePlugin(name: "bigram", summary: "…") { file, backend, vocabulary in
///     try BigramModel(file: file, backend: backend, vocabulary: vocabulary)
/// })
/// let runtime = try ModelRuntime(configuration: configuration, architectures: architectures)
/// ```
public typealias ArchitectureRegistry = PluginRegistry<ArchitecturePlugin>

extension PluginRegistry where Plugin == ArchitecturePlugin {
    /// The GGUF metadata key that names a file's architecture.
    public static var architectureKey: String { "general.architecture" }

    /// The architectures Sequitur implements.
    public static var standard: ArchitectureRegistry {
        ArchitectureRegistry([LlamaArchitecture.plugin, Qwen2Architecture.plugin, Qwen3Architecture.plugin,
                              Phi3Architecture.plugin, Gemma2Architecture.plugin, Gemma3Architecture.plugin])
    }

    /// The architecture `file` declares, or an error naming the key, its value and what is registered.
    public func plugin(for file: GGUFFile) throws -> ArchitecturePlugin {
        guard let value = file.metadata[Self.architectureKey] else {
            throw ArchitectureError.missingArchitecture(key: Self.architectureKey, registered: names)
        }
        guard case let .string(name) = value else {
            throw ArchitectureError.notAString(key: Self.architectureKey, value: "\(value)")
        }
        guard let p = self[name] else { throw ArchitectureError.unknown(name: name, registered: names) }
        return p
    }

    /// The model in `file`, built by the architecture it declares.
    public func makeModel(file: GGUFFile, backend: any Backend, vocabulary: any Vocabulary) throws -> any LanguageModel {
        try plugin(for: file).factory(file, backend, vocabulary)
    }
}

/// Why no registered architecture can build a file's model.
public enum ArchitectureError: Error, CustomStringConvertible, Equatable {
    case missingArchitecture(key: String, registered: [String])
    case notAString(key: String, value: String)
    case unknown(name: String, registered: [String])

    public var description: String {
        switch self {
        case let .missingArchitecture(key, registered):
            return "GGUF metadata key '\(key)' is missing, so the file does not say which architecture it holds (registered: \(registered.joined(separator: ", ")))"
        case let .notAString(key, value):
            return "GGUF metadata key '\(key)' must be a string, got \(value)"
        case let .unknown(name, registered):
            return "\(ArchitectureRegistry.architectureKey) is '\(name)', which no registered architecture reads (registered: \(registered.joined(separator: ", ")))"
        }
    }
}
