import SequiturCore

/// The warpers of the sampler chain, between the logit processors and the draw, in transformers' order:
/// top-nσ (on the logits as they come: it is the same at any temperature), then temperature, top-k, top-p
/// (nucleus), min-p, typical-p, epsilon and eta. Each truncation keeps at least one token, as transformers'
/// `min_tokens_to_keep = 1` does; probabilities are always those of the tokens still kept.
///
/// ```swift
/// let warpers = try SamplingWarpers(temperature: 0.8, topP: 0.95, eta: 3e-4)
/// let kept = warpers.kept(RowSelection.sorted(logits))   // the tokens a draw can pick, best first
/// ```
public struct SamplingWarpers: Sendable, Equatable {
    public var temperature: Double
    public var topK: Int
    public var topP: Double
    public var minP: Double
    public var typicalP: Double
    /// transformers' `epsilon_cutoff` (Hewitt et al. 2022): drop tokens less likely than this.
    public var epsilon: Double
    /// transformers' `eta_cutoff` (Hewitt et al. 2022): drop tokens less likely than
    /// `min(eta, √eta · exp(−entropy))`.
    public var eta: Double
    /// Top-nσ (Tang et al. 2024): keep the tokens whose logit is within `n` standard deviations of the largest.
    /// 0 is off.
    public var topNSigma: Double

    public init(temperature: Double = 1, topK: Int = 0, topP: Double = 1, minP: Double = 0, typicalP: Double = 1,
                epsilon: Double = 0, eta: Double = 0, topNSigma: Double = 0) throws {
        func check(_ ok: Bool, _ name: String, _ range: String, _ value: Double) throws {
            guard ok else { throw DecodingError.invalidParameter(name: name, message: "must be \(range), got \(value)") }
        }
        try check(temperature > 0 && temperature.isFinite, "temperature", "> 0 (0 is greedy, not sampling)", temperature)
        guard topK >= 0 else {
            throw DecodingError.invalidParameter(name: "topK", message: "must be ≥ 0 (0: no limit), got \(topK)")
        }
        try check(topP > 0 && topP <= 1, "topP", "in (0, 1]", topP)
        try check(minP >= 0 && minP < 1, "minP", "in [0, 1)", minP)
        try check(typicalP > 0 && typicalP <= 1, "typicalP", "in (0, 1]", typicalP)
        try check(epsilon >= 0 && epsilon < 1, "epsilon", "in [0, 1)", epsilon)
        try check(eta >= 0 && eta < 1, "eta", "in [0, 1)", eta)
        try check(topNSigma >= 0 && topNSigma.isFinite, "topNSigma", "≥ 0 (0: off)", topNSigma)
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.typicalP = typicalP
        self.epsilon = epsilon
        self.eta = eta
        self.topNSigma = topNSigma
    }

    /// The candidates a draw can pick, best first (`candidates` are best first: logits or log-probs, any shift),
    /// each with its weight, an unnormalised probability after temperature.
    public func kept(_ candidates: [TokenLogProb]) -> [(token: TokenID, weight: Double)] {
        var kept = candidates
        if topNSigma > 0, let best = kept.first {
            let values = kept.map { Double($0.logProb) }
            let mean = values.reduce(0, +) / Double(values.count)
            let sigma = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            let floor = Double(best.logProb) - topNSigma * sigma
            kept = kept.filter { Double($0.logProb) >= floor }
        }
        if topK > 0 { kept = Array(kept.prefix(topK)) }
        let top = Double(kept[0].logProb) / temperature
        var weights = kept.map { exp(Double($0.logProb) / temperature - top) }
        func keep(_ indices: [Int]) {
            kept = indices.map { kept[$0] }
            weights = indices.map { weights[$0] }
        }
        if topP < 1 {
            let total = weights.reduce(0, +)
            var cumulative = 0.0
            var n = 0
            while n < weights.count {
                cumulative += weights[n] / total
                n += 1
                if cumulative >= topP { break }
            }
            keep(Array(0..<n))
        }
        if minP > 0 {
            // weights[0] is the most likely token's, scaled to 1.
            let n = weights.firstIndex { $0 < minP } ?? weights.count
            keep(Array(0..<max(n, 1)))
        }
        if typicalP < 1 { keep(Self.typical(weights, mass: typicalP)) }
        if epsilon > 0 { keep(Self.atLeast(epsilon, weights)) }
        if eta > 0 {
            let total = weights.reduce(0, +)
            let entropy = -weights.reduce(0) { $1 > 0 ? $0 + $1 / total * log($1 / total) : $0 }
            keep(Self.atLeast(min(eta, eta.squareRoot() * exp(-entropy)), weights))
        }
        return zip(kept, weights).map { ($0.token, $1) }
    }

    /// The token `unit` (uniform in [0, 1)) picks among the kept candidates, in proportion to their weights.
    public func draw(from candidates: [TokenLogProb], unit: Double) -> TokenID {
        let kept = kept(candidates)
        var threshold = unit * kept.reduce(0) { $0 + $1.weight }
        for k in kept {
            threshold -= k.weight
            if threshold < 0 { return k.token }
        }
        return kept[kept.count - 1].token
    }

    /// The indices of tokens at least `cutoff` likely (the most likely always kept).
    private static func atLeast(_ cutoff: Double, _ weights: [Double]) -> [Int] {
        let total = weights.reduce(0, +)
        return weights.indices.filter { $0 == 0 || weights[$0] / total >= cutoff }
    }

    /// transformers' `TypicalLogitsWarper`: rank tokens by how far their surprise `-log p` is from the entropy,
    /// take them in that order until their probability reaches `mass` (the token that crosses it included), and
    /// keep every token at most as far as the last one taken. The indices stay in best-first order.
    private static func typical(_ weights: [Double], mass: Double) -> [Int] {
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
        return p.indices.filter { distance[$0] <= limit || $0 == order[0] }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
