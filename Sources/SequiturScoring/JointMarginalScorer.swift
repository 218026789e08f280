import SequiturCore

/// Scores `log Pr(y | x)` by the seed's formula, joint minus marginal, in two passes:
///
///     log Pr(y | x) = log Pr([x, y]) − log Pr(x)
///
/// Pass 1 sums `log Pr(t_i | t_<i)` over the whole concatenation `t = [x, y]`; pass 2 sums the same over `x`
/// alone. A model without a BOS token gives the first token no conditional probability, so both sums start at
/// position 1: each is the log-probability of its sequence *given its first token*, the unknown `log Pr(t_0)`
/// is the same in both and cancels, and the difference is exactly `Σ_j log Pr(y_j | x, y_<j)`. (The per-token
/// factors reported are pass 1's continuation positions.)
///
/// It does the most work of the three scorers (the context is run twice) and exists as the reference that the
/// others are checked against. Both passes of all requests are batched, `batchSize` sequences per `extend` call;
/// only targets are asked, never full rows.
///
/// - An empty continuation scores 0 with no factors and `isGreedy == true`, without model work.
/// - An empty context throws `ScoringError.emptyContext` (give BOS).
public struct JointMarginalScorer: Scorer {
    public let name = "joint-marginal"
    /// Sequences per `extend` call (values below 1 act as 1).
    public let batchSize: Int

    public init(batchSize: Int = 16) { self.batchSize = effectiveBatchSize(batchSize) }

    public func score(_ requests: [ScoringRequest], model: any LanguageModel) throws -> [ScoringResult] {
        var (results, work) = try requests.startScoring()
        // Pass (k, joint: true) is request work[k]'s [x, y]; (k, joint: false) its x alone, which only needs a
        // pass when x has a second token to score (a one-token x sums to 0; an empty extend is not asked for).
        let passes = work.indices.flatMap { k in
            requests[work[k]].context.count >= 2 ? [(k, true), (k, false)] : [(k, true)]
        }
        func sequence(_ pass: (Int, Bool)) -> [TokenID] {
            let r = requests[work[pass.0]]
            return pass.1 ? r.context + r.continuation : r.context
        }
        var jointFactors: [[TokenFactor]] = Array(repeating: [], count: work.count)
        var jointSums = [Double](repeating: 0, count: work.count)
        var marginalSums = [Double](repeating: 0, count: work.count)
        try BatchedExtension.run(
            count: passes.count, batchSize: batchSize, model: model,
            request: { p in targetedPass(state: model.makeState(), sequence: sequence(passes[p]), firstScored: 1) },
            consume: { p, _, result in
                let (k, joint) = passes[p]
                let f = try factors(of: result, sequence: sequence(passes[p]), firstScored: 1)
                let sum = f.reduce(0) { $0 + Double($1.logProb) }
                if joint {
                    jointSums[k] = sum
                    jointFactors[k] = f
                } else {
                    marginalSums[k] = sum
                }
            })
        for (k, i) in work.enumerated() {
            let continuationFactors = Array(jointFactors[k].suffix(requests[i].continuation.count))
            results[i] = ScoringResult(id: requests[i].id,
                                       logProb: jointSums[k] - marginalSums[k],
                                       tokenLogProbs: continuationFactors.map(\.logProb),
                                       isGreedy: continuationFactors.allSatisfy(\.isArgmax))
        }
        return results
    }
}
