/// Everything a run needs, read from JSON or YAML with `--config FILE`; command-line flags override it.
///
/// ```yaml
/// model: ~/.cache/sequitur/SmolLM2-135M-Instruct.Q4_1.gguf
/// backend: cpu            # any registered backend: cpu, opencl, ...
/// threads: 2
/// decoder: { name: beam, parameters: { numBeams: 4, lengthPenalty: 1.0 } }
/// scorer: shared-prefix
/// stop: { maxNewTokens: 32, stopStrings: ["\n\n"] }
/// processors:             # applied in order to every step's log-probs (`sequitur processors` lists them)
///   - { name: repetition-penalty, parameters: { penalty: 1.3 } }
///   - { name: min-new-tokens, parameters: { minNewTokens: 8 } }
/// ```
public struct SequiturConfiguration: Sendable, Hashable, Codable {
    /// Path to a GGUF file; nil means the cached default model.
    public var model: String?
    /// A backend registered in the `BackendRegistry` the runtime is built with ("cpu", "opencl", ...).
    public var backend: String
    /// OpenCL device index (in `sequitur devices` order).
    public var device: Int?
    /// CPU threads; nil means all cores.
    public var threads: Int?
    public var decoder: DecoderConfiguration
    public var scorer: ScorerStrategy
    public var stop: StopConditions
    /// Logit processors, in the order they apply (each from a `ProcessorRegistry` by name).
    public var processors: [ProcessorConfiguration]

    public init(model: String? = nil, backend: String = "cpu", device: Int? = nil, threads: Int? = nil,
                decoder: DecoderConfiguration = DecoderConfiguration(name: "greedy"),
                scorer: ScorerStrategy = .sharedPrefix, stop: StopConditions = StopConditions(),
                processors: [ProcessorConfiguration] = []) {
        self.model = model
        self.backend = backend
        self.device = device
        self.threads = threads
        self.decoder = decoder
        self.scorer = scorer
        self.stop = stop
        self.processors = processors
    }

    /// What the backend factory reads besides the name.
    public var backendOptions: BackendOptions { BackendOptions(threads: threads, device: device) }

    enum CodingKeys: String, CodingKey, CaseIterable { case model, backend, device, threads, decoder, scorer, stop, processors }

    /// The field names a configuration file may use, for unknown-key errors.
    public static let fieldNames: [String] = CodingKeys.allCases.map(\.rawValue)

    public init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SequiturConfiguration()
        model = try c.decodeIfPresent(String.self, forKey: .model)
        backend = try c.decodeIfPresent(String.self, forKey: .backend) ?? d.backend
        device = try c.decodeIfPresent(Int.self, forKey: .device)
        threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        self.decoder = try c.decodeIfPresent(DecoderConfiguration.self, forKey: .decoder) ?? d.decoder
        scorer = try c.decodeIfPresent(ScorerStrategy.self, forKey: .scorer) ?? d.scorer
        stop = try c.decodeIfPresent(StopConditions.self, forKey: .stop) ?? d.stop
        processors = try c.decodeIfPresent([ProcessorConfiguration].self, forKey: .processors) ?? d.processors
    }
}

/// How `log Pr(y | x)` is computed (the results agree; the cost differs).
public enum ScorerStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Two passes: `log Pr([x, y]) − log Pr(x)`.
    case jointMarginal = "joint-marginal"
    /// One pass over `[x, y]`, summing `y`'s positions.
    case direct
    /// Requests with the same context share one prefill; continuations fork from it.
    case sharedPrefix = "shared-prefix"
}
