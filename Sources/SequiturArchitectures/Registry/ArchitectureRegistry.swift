import SequiturCore
import SequiturGGUF

/// Model architectures by their GGUF `general.architecture` key, as mlx-swift-lm's `LLMTypeRegistry` keys its
/// model types: one file per architecture registers a `create` function, and a runtime builds whatever the file
/// says it is. Nothing else in Sequitur switches on architecture names, so an architecture written in another
/// package plugs in by registering an entry:
///
/// ```swift
/// var architectures = ArchitectureRegistry.standard
/// architectures.register(ArchitectureRegistry.Entry(name: "bigram", summary: "…") { file, backend, vocabulary in
///     try BigramModel(file: file, backend: backend, vocabulary: vocabulary)
/// })
/// let runtime = try ModelRuntime(configuration: configuration, architectures: architectures)
/// ```
///
/// A value type, like `DecoderRegistry`: registering into a copy never changes what another caller sees.
public struct ArchitectureRegistry: Sendable {
    /// Builds a model from its file, on a backend, with the file's tokenizer as its vocabulary. It reads and
    /// checks its own hyperparameters and tensors, and must refuse (throw) rather than ignore any it cannot use.
    public typealias Factory = @Sendable (GGUFFile, any Backend, any Vocabulary) throws -> any LanguageModel

    /// One registered architecture.
    public struct Entry: Sendable {
        /// The `general.architecture` value it reads.
        public let name: String
        /// One line for listings.
        public let summary: String
        public let create: Factory

        public init(name: String, summary: String, create: @escaping Factory) {
            self.name = name
            self.summary = summary
            self.create = create
        }
    }

    /// The GGUF metadata key that names a file's architecture.
    public static let architectureKey = "general.architecture"

    private var entries: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// A registry holding `entries`.
    public init(_ entries: [Entry]) {
        for e in entries { register(e) }
    }

    /// The architectures Sequitur implements.
    public static var standard: ArchitectureRegistry { ArchitectureRegistry([LlamaArchitecture.registryEntry]) }

    /// Adds (or replaces) the architecture called `entry.name`.
    public mutating func register(_ entry: Entry) { entries[entry.name] = entry }

    /// Registered names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Registered architectures, sorted by name.
    public var all: [Entry] { entries.values.sorted { $0.name < $1.name } }

    /// The architecture `file` declares, or an error naming the key, its value and what is registered.
    public func entry(for file: GGUFFile) throws -> Entry {
        guard let value = file.metadata[Self.architectureKey] else {
            throw ArchitectureError.missingArchitecture(key: Self.architectureKey, registered: names)
        }
        guard case let .string(name) = value else {
            throw ArchitectureError.notAString(key: Self.architectureKey, value: "\(value)")
        }
        guard let e = entries[name] else { throw ArchitectureError.unknown(name: name, registered: names) }
        return e
    }

    /// The model in `file`, built by the architecture it declares.
    public func makeModel(file: GGUFFile, backend: any Backend, vocabulary: any Vocabulary) throws -> any LanguageModel {
        try entry(for: file).create(file, backend, vocabulary)
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
