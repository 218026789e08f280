import SequiturCore

/// Decoders by name: each with the parameters it accepts (what `sequitur decoders` prints) and a factory that
/// builds it from a `DecoderConfiguration`.
///
/// `make` checks the configuration against the parameter list before the factory runs, so a factory receives
/// every declared parameter, type-checked and with defaults filled in. Code outside the package adds its own
/// decoder the same way the standard ones are added:
///
/// ```swift
/// var registry = DecoderRegistry.standard
/// registry.register(name: "lookahead", summary: "…", parameters: [ParameterSpec("depth", .integer, default: 2, help: "…")]) {
///     LookaheadDecoder(depth: try $0.integer("depth"))
/// }
/// let decoder = try registry.make(DecoderConfiguration(name: "lookahead", parameters: ["depth": 3]))
/// ```
///
/// A value type: `standard` is a fresh copy each time, so registering into a copy never changes what another
/// caller sees, and the registry can cross concurrency domains.
public struct DecoderRegistry: Sendable {
    /// Builds a decoder from a configuration whose parameters have been checked and completed.
    public typealias Factory = @Sendable (DecoderConfiguration) throws -> any Decoder

    /// One registered decoder.
    public struct Entry: NamedPlugin {
        public let name: String
        /// One line for listings.
        public let summary: String
        public let parameters: [ParameterSpec]
        /// What the decoder does beyond a best hypothesis, known without building it (for listings).
        public let capabilities: DecoderCapabilities
        /// The parameter that sets how many hypotheses are kept at each step (beam search's `numBeams`), if any:
        /// what `--beams K` and compare-decoders' `NAME:K` set, so callers never need the decoder's name.
        public let widthParameter: String?
        /// The parameter that sets how many hypotheses are returned (`numReturnSequences`), if any.
        public let returnedSequencesParameter: String?
        public let factory: Factory
    }

    private var entries = PluginRegistry<Entry>()

    /// An empty registry.
    public init() {}

    /// Greedy, beam, exhaustive and sampling, and the research decoders (MBR, …; `docs/decoders.md`).
    public static var standard: DecoderRegistry {
        var r = DecoderRegistry()
        r.register(name: GreedyDecoder.registryName, summary: GreedyDecoder.summary,
                   parameters: GreedyDecoder.parameters, capabilities: GreedyDecoder.capabilities,
                   factory: GreedyDecoder.init(configuration:))
        r.register(name: BeamSearchDecoder.registryName, summary: BeamSearchDecoder.summary,
                   parameters: BeamSearchDecoder.parameters, capabilities: BeamSearchDecoder.capabilities,
                   widthParameter: BeamSearchDecoder.widthParameter,
                   returnedSequencesParameter: BeamSearchDecoder.returnedSequencesParameter,
                   factory: BeamSearchDecoder.init(configuration:))
        r.register(name: ExhaustiveDecoder.registryName, summary: ExhaustiveDecoder.summary,
                   parameters: ExhaustiveDecoder.parameters, capabilities: ExhaustiveDecoder.capabilities,
                   returnedSequencesParameter: ExhaustiveDecoder.returnedSequencesParameter,
                   factory: ExhaustiveDecoder.init(configuration:))
        r.register(name: SamplingDecoder.registryName, summary: SamplingDecoder.summary,
                   parameters: SamplingDecoder.parameters, capabilities: SamplingDecoder.capabilities,
                   factory: SamplingDecoder.init(configuration:))
        r.register(name: BestFirstBeamSearchDecoder.registryName, summary: BestFirstBeamSearchDecoder.summary,
                   parameters: BestFirstBeamSearchDecoder.parameters, capabilities: BestFirstBeamSearchDecoder.capabilities,
                   widthParameter: BestFirstBeamSearchDecoder.widthParameter,
                   returnedSequencesParameter: BestFirstBeamSearchDecoder.returnedSequencesParameter,
                   factory: BestFirstBeamSearchDecoder.init(configuration:))
        r.register(name: DiverseBeamSearchDecoder.registryName, summary: DiverseBeamSearchDecoder.summary,
                   parameters: DiverseBeamSearchDecoder.parameters, capabilities: DiverseBeamSearchDecoder.capabilities,
                   widthParameter: DiverseBeamSearchDecoder.widthParameter,
                   returnedSequencesParameter: DiverseBeamSearchDecoder.returnedSequencesParameter,
                   factory: DiverseBeamSearchDecoder.init(configuration:))
        r.register(name: StochasticBeamSearchDecoder.registryName, summary: StochasticBeamSearchDecoder.summary,
                   parameters: StochasticBeamSearchDecoder.parameters, capabilities: StochasticBeamSearchDecoder.capabilities,
                   widthParameter: StochasticBeamSearchDecoder.widthParameter,
                   factory: StochasticBeamSearchDecoder.init(configuration:))
        r.register(name: MBRDecoder.registryName, summary: MBRDecoder.summary,
                   parameters: MBRDecoder.parameters, capabilities: MBRDecoder.capabilities,
                   factory: MBRDecoder.init(configuration:))
        r.register(name: SpeculativeDecoder.registryName, summary: SpeculativeDecoder.summary,
                   parameters: SpeculativeDecoder.parameters, capabilities: SpeculativeDecoder.capabilities,
                   factory: SpeculativeDecoder.init(configuration:))
        return r
    }

    /// Adds (or replaces) the decoder called `name`. `capabilities` should be what the built decoder's
    /// `capabilities` says; `widthParameter` and `returnedSequencesParameter` must name integer parameters in
    /// `parameters` (a programming error otherwise, caught here rather than when a user passes `--beams`).
    public mutating func register(name: String, summary: String = "", parameters: [ParameterSpec],
                                  capabilities: DecoderCapabilities = [], widthParameter: String? = nil,
                                  returnedSequencesParameter: String? = nil, factory: @escaping Factory) {
        for role in [widthParameter, returnedSequencesParameter].compactMap({ $0 }) {
            precondition(parameters.contains { $0.name == role && $0.kind == .integer },
                         "decoder \(name): '\(role)' is not one of its integer parameters")
        }
        entries.register(Entry(name: name, summary: summary, parameters: parameters, capabilities: capabilities,
                              widthParameter: widthParameter, returnedSequencesParameter: returnedSequencesParameter,
                              factory: factory))
    }

    /// Registered names, sorted.
    public var names: [String] { entries.names }

    /// Registered decoders, sorted by name.
    public var all: [Entry] { entries.all }

    /// The decoder called `name`, or an error listing the valid names.
    public func entry(named name: String) throws -> Entry {
        guard let e = entries[name] else {
            throw ConfigurationError.unknownName(path: "decoder.name", name: name, valid: names)
        }
        return e
    }

    /// Checks `configuration` (name, parameter names and types) and builds the decoder. Errors name the field:
    /// `decoder.name`, `decoder.parameters`, `decoder.parameters.numBeams`.
    public func make(_ configuration: DecoderConfiguration) throws -> any Decoder {
        let e = try entry(named: configuration.name)
        let checked = try Self.complete(configuration, against: e.parameters)
        do {
            return try e.factory(checked)
        } catch let DecodingError.invalidParameter(name, message) {
            throw ConfigurationError.invalidValue(path: "decoder.parameters.\(name)", message: message)
        }
    }

    /// `configuration` with each parameter validated against `specs` and every missing one set to its default.
    public static func complete(_ configuration: DecoderConfiguration,
                                against specs: [ParameterSpec]) throws -> DecoderConfiguration {
        let parameters = try ParameterSpec.complete(configuration.parameters, against: specs, path: "decoder.parameters")
        return DecoderConfiguration(name: configuration.name, parameters: parameters)
    }
}

/// Typed reads of a configuration's parameters, for decoder factories (including ones outside this package).
/// Each throws a `ConfigurationError` naming `decoder.parameters.<name>` when the value is absent or of the
/// wrong kind.
extension DecoderConfiguration {
    public func integer(_ name: String) throws -> Int {
        switch try value(name) {
        case let .int(i): return i
        case let .double(d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        case let v: throw mismatch(name, "an integer", v)
        }
    }

    public func number(_ name: String) throws -> Double {
        switch try value(name) {
        case let .double(d): return d
        case let .int(i): return Double(i)
        case let v: throw mismatch(name, "a number", v)
        }
    }

    public func boolean(_ name: String) throws -> Bool {
        guard case let .bool(b) = try value(name) else { throw mismatch(name, "a boolean", try value(name)) }
        return b
    }

    public func string(_ name: String) throws -> String {
        switch try value(name) {
        case let .string(s): return s
        case let .bool(b): return String(b)
        case let v: throw mismatch(name, "a string", v)
        }
    }

    /// A nullable integer parameter (`null` in the configuration reads as nil).
    public func optionalInteger(_ name: String) throws -> Int? {
        if case .null = try value(name) { return nil }
        return try integer(name)
    }

    private func value(_ name: String) throws -> ConfigValue {
        guard let v = parameters[name] else {
            throw ConfigurationError.missing(path: "decoder.parameters.\(name)", hint: "the decoder needs it")
        }
        return v
    }

    private func mismatch(_ name: String, _ expected: String, _ got: ConfigValue) -> ConfigurationError {
        .typeMismatch(path: "decoder.parameters.\(name)", expected: expected, got: got.description)
    }
}
