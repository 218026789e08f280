import SequiturCore

/// Logit processors by name: each with the parameters it accepts (what `sequitur processors` prints) and a
/// factory that builds it from a `ProcessorConfiguration`. Works like `DecoderRegistry`: `make` checks the
/// configuration against the parameter list before the factory runs, and code outside the package registers
/// its own processor the same way the standard ones are registered:
///
/// ```swift
/// var registry = ProcessorRegistry.standard
/// registry.register(name: "ban-digits", summary: "…", parameters: []) { _ in BanDigits() }
/// let processor = try registry.make(ProcessorConfiguration(name: "ban-digits"))
/// ```
public struct ProcessorRegistry: Sendable {
    /// Builds a processor from a configuration whose parameters have been checked and completed.
    public typealias Factory = @Sendable (ProcessorConfiguration) throws -> any LogitProcessor

    /// One registered processor.
    public struct Entry: NamedPlugin {
        public let name: String
        /// One line for listings.
        public let summary: String
        public let parameters: [ParameterSpec]
        public let factory: Factory
    }

    private var entries = PluginRegistry<Entry>()

    /// An empty registry.
    public init() {}

    /// The shipped processors: repetition, presence and frequency penalties, logit bias, bad words,
    /// no-repeat-n-gram, minimum new tokens, suppressed tokens, sequence bias, and grammar constraints.
    public static var standard: ProcessorRegistry {
        var r = ProcessorRegistry()
        r.register(name: RepetitionPenaltyProcessor.registryName, summary: RepetitionPenaltyProcessor.summary,
                   parameters: RepetitionPenaltyProcessor.parameters, factory: RepetitionPenaltyProcessor.init(configuration:))
        r.register(name: PresenceFrequencyPenaltyProcessor.presenceName, summary: PresenceFrequencyPenaltyProcessor.presenceSummary,
                   parameters: PresenceFrequencyPenaltyProcessor.presenceParameters,
                   factory: PresenceFrequencyPenaltyProcessor.init(presenceConfiguration:))
        r.register(name: PresenceFrequencyPenaltyProcessor.frequencyName, summary: PresenceFrequencyPenaltyProcessor.frequencySummary,
                   parameters: PresenceFrequencyPenaltyProcessor.frequencyParameters,
                   factory: PresenceFrequencyPenaltyProcessor.init(frequencyConfiguration:))
        r.register(name: LogitBiasProcessor.registryName, summary: LogitBiasProcessor.summary,
                   parameters: LogitBiasProcessor.parameters, factory: LogitBiasProcessor.init(configuration:))
        r.register(name: BadWordsProcessor.registryName, summary: BadWordsProcessor.summary,
                   parameters: BadWordsProcessor.parameters, factory: BadWordsProcessor.init(configuration:))
        r.register(name: SequenceBiasProcessor.registryName, summary: SequenceBiasProcessor.summary,
                   parameters: SequenceBiasProcessor.parameters, factory: SequenceBiasProcessor.init(configuration:))
        r.register(name: NoRepeatNGramProcessor.registryName, summary: NoRepeatNGramProcessor.summary,
                   parameters: NoRepeatNGramProcessor.parameters, factory: NoRepeatNGramProcessor.init(configuration:))
        r.register(name: MinNewTokensProcessor.registryName, summary: MinNewTokensProcessor.summary,
                   parameters: MinNewTokensProcessor.parameters, factory: MinNewTokensProcessor.init(configuration:))
        r.register(name: GrammarProcessor.registryName, summary: GrammarProcessor.summary,
                   parameters: GrammarProcessor.parameters, factory: GrammarProcessor.init(configuration:))
        r.register(name: GrammarProcessor.jsonSchemaName, summary: GrammarProcessor.jsonSchemaSummary,
                   parameters: GrammarProcessor.jsonSchemaParameters, factory: GrammarProcessor.init(jsonSchemaConfiguration:))
        r.register(name: GrammarProcessor.regexName, summary: GrammarProcessor.regexSummary,
                   parameters: GrammarProcessor.regexParameters, factory: GrammarProcessor.init(regexConfiguration:))
        r.register(name: SuppressTokensProcessor.registryName, summary: SuppressTokensProcessor.summary,
                   parameters: SuppressTokensProcessor.parameters, factory: SuppressTokensProcessor.init(configuration:))
        return r
    }

    /// Adds (or replaces) the processor called `name`.
    public mutating func register(name: String, summary: String = "", parameters: [ParameterSpec],
                                  factory: @escaping Factory) {
        entries.register(Entry(name: name, summary: summary, parameters: parameters, factory: factory))
    }

    /// Registered names, sorted.
    public var names: [String] { entries.names }

    /// Registered processors, sorted by name.
    public var all: [Entry] { entries.all }

    /// The processor called `name`, or an error naming `path` (`processors[1].name`) and the valid names.
    public func entry(named name: String, path: String = "processor.name") throws -> Entry {
        guard let e = entries[name] else {
            throw ConfigurationError.unknownName(path: path, name: name, valid: names)
        }
        return e
    }

    /// Checks `configuration` (name, parameter names, types, values) and builds the processor. Errors name the
    /// field under `path`: `processors[1].name`, `processors[1].parameters`, `processors[1].parameters.penalty`.
    public func make(_ configuration: ProcessorConfiguration, path: String = "processor") throws -> any LogitProcessor {
        let e = try entry(named: configuration.name, path: "\(path).name")
        let checked = try Self.complete(configuration, against: e.parameters, path: "\(path).parameters")
        do {
            return try e.factory(checked)
        } catch let DecodingError.invalidParameter(name, message) {
            throw ConfigurationError.invalidValue(path: "\(path).parameters.\(name)", message: message)
        }
    }

    /// Builds every processor of `configurations`, in order; errors name `processors[i]`.
    public func make(_ configurations: [ProcessorConfiguration], path: String = "processors") throws -> [any LogitProcessor] {
        try configurations.enumerated().map { try make($0.element, path: "\(path)[\($0.offset)]") }
    }

    /// `configuration` with each parameter validated against `specs` and every missing one set to its default.
    public static func complete(_ configuration: ProcessorConfiguration, against specs: [ParameterSpec],
                                path: String = "processor.parameters") throws -> ProcessorConfiguration {
        let parameters = try ParameterSpec.complete(configuration.parameters, against: specs, path: path)
        return ProcessorConfiguration(name: configuration.name, parameters: parameters)
    }
}
