import SequiturCore

/// Draws each token from the model's next-token distribution: logit processors first (on raw logits), then the
/// warpers (`SamplingWarpers`: top-nσ, temperature, top-k, top-p, min-p, typical-p, epsilon, eta, in that
/// order), then the draw. A seeded generator of this module draws the numbers, so one seed
/// gives the same output on every run.
///
/// Without logit processors and with `topK > 0`, the model is asked for its top `topK` log-probs only (top-p and
/// min-p act inside that set); otherwise it sends full rows. `temperature: 0` is greedy.
/// `Hypothesis.tokenLogProbs` are the model's log-probs, before temperature. Tokens stream to
/// `DecodingRequest.onToken`; when it returns false the hypothesis ends there with finish reason `.interrupted`.
public struct SamplingDecoder: Decoder {
    public static let registryName = "sampling"
    static let summary = "samples each token (temperature, top-k, top-p, min-p, typical, epsilon, eta, top-nσ), reproducible from a seed"
    public static let capabilities: DecoderCapabilities = .streamsTokens
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("temperature", .number, default: 1.0, help: "divides log-probs before sampling; 0 is greedy"),
        ParameterSpec("topK", .integer, default: 0, help: "sample among the k most likely tokens (0: all)"),
        ParameterSpec("topP", .number, default: 1.0,
                      help: "sample among the fewest most likely tokens whose probability reaches topP, in (0, 1]"),
        ParameterSpec("minP", .number, default: 0.0,
                      help: "drop tokens less likely than minP × the most likely one's probability, in [0, 1)"),
        ParameterSpec("typicalP", .number, default: 1.0,
                      help: "keep the tokens whose surprise is nearest the entropy, up to this probability mass, in (0, 1] (transformers' typical_p)"),
        ParameterSpec("epsilon", .number, default: 0.0,
                      help: "drop tokens less likely than this, in [0, 1) (transformers' epsilon_cutoff)"),
        ParameterSpec("eta", .number, default: 0.0,
                      help: "drop tokens less likely than min(eta, √eta·e^−entropy), in [0, 1) (transformers' eta_cutoff)"),
        ParameterSpec("topNSigma", .number, default: 0.0,
                      help: "keep tokens whose logit is within n standard deviations of the best (0: off)"),
        ParameterSpec("seed", .integer, default: 0, help: "seed of the random generator: same seed, same output"),
    ]

    public let temperature: Double
    /// The warpers, in chain order (unused at temperature 0, which is greedy).
    public let warpers: SamplingWarpers
    public var topK: Int { warpers.topK }
    public var topP: Double { warpers.topP }
    public var minP: Double { warpers.minP }
    public var typicalP: Double { warpers.typicalP }
    public let seed: UInt64

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init(temperature: Double = 1.0, topK: Int = 0, topP: Double = 1.0, minP: Double = 0.0,
                typicalP: Double = 1.0, epsilon: Double = 0, eta: Double = 0, topNSigma: Double = 0,
                seed: UInt64 = 0) throws {
        guard temperature >= 0, temperature.isFinite else {
            throw DecodingError.invalidParameter(name: "temperature", message: "must be ≥ 0 (0 is greedy), got \(temperature)")
        }
        // Temperature 0 is greedy: the warpers are checked at temperature 1 and never used.
        self.warpers = try SamplingWarpers(temperature: temperature == 0 ? 1 : temperature, topK: topK, topP: topP,
                                           minP: minP, typicalP: typicalP, epsilon: epsilon, eta: eta, topNSigma: topNSigma)
        self.temperature = temperature
        self.seed = seed
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(temperature: try c.number("temperature"), topK: try c.integer("topK"),
                      topP: try c.number("topP"), minP: try c.number("minP"), typicalP: try c.number("typicalP"),
                      epsilon: try c.number("epsilon"), eta: try c.number("eta"), topNSigma: try c.number("topNSigma"),
                      seed: UInt64(bitPattern: Int64(try c.integer("seed"))))
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        let query: PositionQuery
        if plan.needsFullRows { query = .full }
        else if temperature == 0 { query = .argmax }
        else if topK > 0 { query = PositionQuery(topK: topK) }
        else { query = .full }
        var rng = SeededRandomNumberGenerator(seed: seed)
        return try plan.decodeTokenByToken(model: model, query: query) {
            let (token, logProb) = try draw(from: $0, plan: plan, history: $1.tokens, processors: $2, rng: &rng)
            return TokenChoice(token: token, logProb: logProb)
        }
    }

    /// One token and the model's log-prob of it.
    private func draw(from answer: PositionLogProbs, plan: DecodingPlan, history: [TokenID],
                      processors: LogitProcessorChain, rng: inout SeededRandomNumberGenerator) throws -> (TokenID, Float) {
        var candidates: [TokenLogProb]   // best first, log-probs the choice is made on
        if plan.needsFullRows {
            // Raw logits, as transformers' sampling hands its processors; the warpers below only use differences.
            candidates = RowSelection.sorted(plan.processed(plan.logits(of: answer), history: history, processors: processors))
        } else if temperature == 0 {
            return (answer.argmax, answer.argmaxLogProb)
        } else if topK > 0 {
            candidates = answer.topK.filter { $0.logProb > -.infinity }
        } else {
            candidates = RowSelection.sorted(answer.fullRow)
        }
        guard !candidates.isEmpty else {
            throw DecodingError.everyTokenForbidden
        }
        let modelLogProb = { (t: TokenID) -> Float in
            plan.needsFullRows ? answer.fullRow[Int(t)] : candidates.first { $0.token == t }!.logProb
        }
        if temperature == 0 { return (candidates[0].token, modelLogProb(candidates[0].token)) }
        let chosen = warpers.draw(from: candidates, unit: rng.nextUnitInterval())
        return (chosen, modelLogProb(chosen))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
