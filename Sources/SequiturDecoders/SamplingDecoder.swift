import SequiturCore

/// Draws each token from the model's next-token distribution: logit processors first (on raw logits), then the
/// warpers — temperature, then truncation by top-k, top-p (nucleus), min-p and typical-p, in that order — then
/// the draw. A seeded generator of this module draws the numbers, so one seed
/// gives the same output on every run.
///
/// Without logit processors and with `topK > 0`, the model is asked for its top `topK` log-probs only (top-p and
/// min-p act inside that set); otherwise it sends full rows. `temperature: 0` is greedy.
/// `Hypothesis.tokenLogProbs` are the model's log-probs, before temperature. Tokens stream to
/// `DecodingRequest.onToken`; when it returns false the hypothesis ends there with finish reason `.interrupted`.
public struct SamplingDecoder: Decoder {
    public static let registryName = "sampling"
    static let summary = "samples each token (temperature, top-k, top-p, min-p, typical-p), reproducible from a seed"
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
        ParameterSpec("seed", .integer, default: 0, help: "seed of the random generator: same seed, same output"),
    ]

    public let temperature: Double
    public let topK: Int
    public let topP: Double
    public let minP: Double
    public let typicalP: Double
    public let seed: UInt64

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init(temperature: Double = 1.0, topK: Int = 0, topP: Double = 1.0, minP: Double = 0.0,
                typicalP: Double = 1.0, seed: UInt64 = 0) throws {
        guard temperature >= 0, temperature.isFinite else {
            throw DecodingError.invalidParameter(name: "temperature", message: "must be ≥ 0 (0 is greedy), got \(temperature)")
        }
        guard topK >= 0 else {
            throw DecodingError.invalidParameter(name: "topK", message: "must be ≥ 0 (0: no limit), got \(topK)")
        }
        guard topP > 0, topP <= 1 else {
            throw DecodingError.invalidParameter(name: "topP", message: "must be in (0, 1], got \(topP)")
        }
        guard minP >= 0, minP < 1 else {
            throw DecodingError.invalidParameter(name: "minP", message: "must be in [0, 1), got \(minP)")
        }
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        guard typicalP > 0, typicalP <= 1 else {
            throw DecodingError.invalidParameter(name: "typicalP", message: "must be in (0, 1], got \(typicalP)")
        }
        self.minP = minP
        self.typicalP = typicalP
        self.seed = seed
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(temperature: try c.number("temperature"), topK: try c.integer("topK"),
                      topP: try c.number("topP"), minP: try c.number("minP"), typicalP: try c.number("typicalP"),
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
        let chosen = Self.sample(candidates, temperature: temperature, topK: topK, topP: topP, minP: minP,
                                 typicalP: typicalP, unit: rng.nextUnitInterval())
        return (chosen, modelLogProb(chosen))
    }

    /// The token that `unit` (uniform in [0, 1)) picks from `candidates` (best first) after temperature, top-k,
    /// top-p, min-p and typical-p. The first three always keep the most likely token; typical-p keeps at least
    /// the most typical one, which need not be the most likely.
    static func sample(_ candidates: [TokenLogProb], temperature: Double, topK: Int, topP: Double, minP: Double,
                       typicalP: Double = 1, unit: Double) -> TokenID {
        var kept = topK > 0 ? Array(candidates.prefix(topK)) : candidates
        let top = Double(kept[0].logProb) / temperature
        var weights = kept.map { exp(Double($0.logProb) / temperature - top) }
        var total = weights.reduce(0, +)
        if topP < 1 {
            var cumulative = 0.0
            var n = 0
            while n < weights.count {
                cumulative += weights[n] / total
                n += 1
                if cumulative >= topP { break }
            }
            kept.removeSubrange(n...)
            weights.removeSubrange(n...)
        }
        if minP > 0 {
            // weights[0] is the most likely token's, scaled to 1.
            let n = weights.firstIndex { $0 < minP } ?? weights.count
            kept.removeSubrange(max(n, 1)...)
            weights.removeSubrange(max(n, 1)...)
        }
        if typicalP < 1 { (kept, weights) = Self.typical(kept, weights, mass: typicalP) }
        total = weights.reduce(0, +)
        var threshold = unit * total
        for (i, w) in weights.enumerated() {
            threshold -= w
            if threshold < 0 { return kept[i].token }
        }
        return kept[kept.count - 1].token
    }
}

extension SamplingDecoder {
    /// transformers' `TypicalLogitsWarper`: rank tokens by how far their surprise `-log p` is from the entropy,
    /// take them in that order until their probability reaches `mass` (the token that crosses it included), and
    /// keep every token at most as far as the last one taken. `kept` stays in its best-first order.
    static func typical(_ kept: [TokenLogProb], _ weights: [Double], mass: Double) -> ([TokenLogProb], [Double]) {
        let total = weights.reduce(0, +)
        let p = weights.map { $0 / total }
        let entropy = -p.reduce(0) { $1 > 0 ? $0 + $1 * log($1) : $0 }
        let distance = p.map { $0 > 0 ? abs(-log($0) - entropy) : .infinity }
        let order = p.indices.sorted { distance[$0] != distance[$1] ? distance[$0] < distance[$1] : $0 < $1 }
        var cumulative = 0.0, below = 0
        for i in order {
            cumulative += p[i]
            if cumulative < mass { below += 1 } else { break }
        }
        let limit = distance[order[min(below, order.count - 1)]]
        let keep = p.indices.filter { distance[$0] <= limit || $0 == order[0] }
        return (keep.map { kept[$0] }, keep.map { weights[$0] })
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
