import Foundation
import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// Stochastic beam search checked against the exact law of sampling without replacement, on a model small enough
/// to enumerate: 3 tokens ("a", "b", `<eos>`) and at most 3 new tokens give 15 outputs. Every statistical test
/// runs on fixed seeds (0..<2000), so it is deterministic; the bounds are set so that a correct decoder would
/// fail them with probability about 0.001 on fresh seeds.
@Suite struct StochasticBeamSearchTests {
    let model = RandomLanguageModel(seed: 3, vocabularySize: 3, spread: 1.5)
    let prompt: [TokenID] = [0]
    let maxNewTokens = 3
    let draws = 2000

    var request: DecodingRequest { DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: maxNewTokens)) }
    var outputs: [(tokens: [TokenID], logProb: Double)] { allOutputs(of: model, prompt: prompt, maxNewTokens: maxNewTokens) }

    /// `Pr(y ∈ S)` for a sample `S` of `k` drawn one at a time without replacement, each draw proportional to
    /// `p` among what is left: the sum over every ordered k-tuple that contains `y`.
    static func exactInclusion(_ p: [Double], k: Int) -> [Double] {
        var inclusion = [Double](repeating: 0, count: p.count)
        func draw(_ chosen: [Int], _ probability: Double) {
            if chosen.count == k {
                for i in chosen { inclusion[i] += probability }
                return
            }
            // Summed directly rather than as 1 − Σ chosen, which cancels badly once most mass is drawn.
            let left = p.indices.filter { !chosen.contains($0) }.reduce(0) { $0 + p[$1] }
            for i in p.indices where !chosen.contains(i) { draw(chosen + [i], probability * p[i] / left) }
        }
        draw([], 1)
        return inclusion
    }

    /// Pearson's statistic of `counts` against probabilities `p` over `n` draws, cells expected below 5 pooled
    /// into one, with its degrees of freedom.
    static func chiSquare(_ counts: [Int], _ p: [Double], n: Int) -> (statistic: Double, degreesOfFreedom: Int) {
        var cells: [(observed: Double, expected: Double)] = []
        var pooled = (observed: 0.0, expected: 0.0)
        for (c, q) in zip(counts, p) {
            if Double(n) * q >= 5 { cells.append((Double(c), Double(n) * q)) }
            else { pooled.observed += Double(c); pooled.expected += Double(n) * q }
        }
        if pooled.expected > 0 { cells.append(pooled) }
        let statistic = cells.reduce(0) { $0 + ($1.observed - $1.expected) * ($1.observed - $1.expected) / $1.expected }
        return (statistic, cells.count - 1)
    }

    /// The 0.999 quantiles of chi-square with 1...20 degrees of freedom (significance level 0.001).
    static let chiSquareCritical: [Double] = [10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877,
                                              29.588, 31.264, 32.909, 34.528, 36.123, 37.697, 39.252, 40.790, 42.312,
                                              43.820, 45.315]

    func samples(k: Int) throws -> [DecodingResult] {
        try (0..<draws).map { try StochasticBeamSearchDecoder(numBeams: k, seed: UInt64($0)).decode(request, model: model) }
    }

    func index(of tokens: [TokenID]) -> Int { outputs.firstIndex { $0.tokens == tokens }! }

    /// Each output's inclusion count over 2000 seeds is Binomial(2000, π_y) with π_y computed exactly: every one
    /// of the 15 cells must lie within 4 standard deviations (two-sided 6.3e-5 per cell, under 0.001 for all 15
    /// by Bonferroni). The first hypothesis is a plain draw from p (the Gumbel-max trick): chi-square at 0.001.
    @Test func inclusionFrequenciesMatchSamplingWithoutReplacement() throws {
        let k = 3
        let p = outputs.map { exp($0.logProb) }
        #expect(abs(p.reduce(0, +) - 1) < 1e-6)   // the model's rows are Float
        let exact = Self.exactInclusion(p, k: k)
        #expect(abs(exact.reduce(0, +) - Double(k)) < 1e-9)
        var included = [Int](repeating: 0, count: p.count), first = included
        for result in try samples(k: k) {
            for h in result.hypotheses { included[index(of: h.tokens)] += 1 }
            first[index(of: result.best!.tokens)] += 1
        }
        var worst = 0.0
        for i in p.indices {
            let mean = Double(draws) * exact[i], sd = (Double(draws) * exact[i] * (1 - exact[i])).squareRoot()
            let z = abs(Double(included[i]) - mean) / sd
            worst = max(worst, z)
            #expect(z <= 4, "output \(outputs[i].tokens): included \(included[i]) times, expected \(mean) ± \(sd)")
        }
        let (statistic, df) = Self.chiSquare(first, p, n: draws)
        #expect(statistic <= Self.chiSquareCritical[df - 1], "first position: chi-square \(statistic) on \(df) df")
        print("stochastic-beam k=\(k): largest inclusion |z| \(worst); first-position chi-square \(statistic) on \(df) df")
    }

    /// With one beam the single output is a draw from p: chi-square goodness of fit at significance 0.001.
    @Test func oneBeamIsAPlainSample() throws {
        let p = outputs.map { exp($0.logProb) }
        var counts = [Int](repeating: 0, count: p.count)
        for result in try samples(k: 1) {
            #expect(result.hypotheses.count == 1)
            #expect(result.inclusionProbabilities!.count == 1)
            counts[index(of: result.best!.tokens)] += 1
        }
        let (statistic, df) = Self.chiSquare(counts, p, n: draws)
        #expect(statistic <= Self.chiSquareCritical[df - 1], "chi-square \(statistic) on \(df) df")
        print("stochastic-beam k=1: chi-square \(statistic) on \(df) df")
    }

    /// Under a temperature and a processor, one beam draws from the product of the renormalised per-step
    /// distributions softmax(log-probs / T) over the allowed tokens: chi-square at significance 0.001.
    @Test func oneBeamSamplesTheTemperedProcessedDistribution() throws {
        let temperature = 2.0
        var banned = request
        banned.processors = [SuppressTokensProcessor(tokens: [0])]
        var space: [(tokens: [TokenID], probability: Double)] = []
        func grow(_ tokens: [TokenID], _ probability: Double) {
            let row = model.logProbs(after: prompt + tokens).enumerated().map { $0.offset == 0 ? -Double.infinity : Double($0.element) / temperature }
            let normaliser = log(row.reduce(0) { $0 + exp($1) })
            for t in 1..<TokenID(row.count) {
                let next = tokens + [t], p = probability * exp(row[Int(t)] - normaliser)
                if t == model.endToken || next.count == maxNewTokens { space.append((next, p)) } else { grow(next, p) }
            }
        }
        grow([], 1)
        #expect(abs(space.reduce(0) { $0 + $1.probability } - 1) < 1e-9)
        var counts = [Int](repeating: 0, count: space.count)
        for seed in 0..<draws {
            let result = try StochasticBeamSearchDecoder(numBeams: 1, temperature: temperature, seed: UInt64(seed)).decode(banned, model: model)
            counts[space.firstIndex { $0.tokens == result.best!.tokens }!] += 1
        }
        let (statistic, df) = Self.chiSquare(counts, space.map(\.probability), n: draws)
        #expect(statistic <= Self.chiSquareCritical[df - 1], "chi-square \(statistic) on \(df) df")
        print("stochastic-beam k=1, T=2, token 0 suppressed: chi-square \(statistic) on \(df) df")
    }

    @Test func sameSeedSameResultOtherSeedsDiffer() throws {
        let decode = { (seed: UInt64) in try StochasticBeamSearchDecoder(numBeams: 4, seed: seed).decode(self.request, model: self.model) }
        let a = try decode(11), b = try decode(11)
        #expect(a.hypotheses == b.hypotheses)
        #expect(a.inclusionProbabilities == b.inclusionProbabilities)
        let others = try (12..<20).map { try decode($0).hypotheses.map(\.tokens) }
        #expect(others.contains { $0 != a.hypotheses.map(\.tokens) })
    }

    /// Distinct outputs, each a real output with the model's log-probs, best perturbed first; asking for all 15
    /// returns the whole output space, each certainly included.
    @Test func outputsAreDistinctRealAndRankedByPerturbedScore() throws {
        let space = Set(outputs.map(\.tokens))
        for k in [2, 5, 14] {
            for seed in 0..<100 {
                let result = try StochasticBeamSearchDecoder(numBeams: k, seed: UInt64(seed)).decode(request, model: model)
                let tokens = result.hypotheses.map(\.tokens)
                #expect(tokens.count == k)
                #expect(Set(tokens).count == k, "k \(k) seed \(seed): \(tokens)")
                #expect(Set(tokens).isSubset(of: space))
                #expect(zip(result.hypotheses, result.hypotheses.dropFirst()).allSatisfy { $0.score >= $1.score })
                for h in result.hypotheses {
                    #expect(abs(h.logProb - model.logProb(of: h.tokens, after: prompt)) < 1e-5)
                    #expect(h.finishReason == (h.tokens.last == model.endToken ? .endToken : .length))
                    #expect(h.score.isFinite)
                }
            }
        }
        // One more beam than outputs still returns each once: the end token leaves fewer outputs than the 39
        // token strings of up to 3 tokens, the most beams the decoder accepts.
        for k in [space.count, space.count + 1] {
            let all = try StochasticBeamSearchDecoder(numBeams: k, seed: 5).decode(request, model: model)
            #expect(all.hypotheses.count == space.count)
            #expect(Set(all.hypotheses.map(\.tokens)) == space)
            #expect(all.inclusionProbabilities == [Double](repeating: 1, count: space.count))
        }
        #expect(throws: DecodingError.self) {
            try StochasticBeamSearchDecoder(numBeams: 40).decode(request, model: model)
        }
    }

    /// The estimates are probabilities, and they are the right weights: for every output y, the mean over seeds
    /// of w_y = 1[y ∈ S] / q_y is 1 (the estimator's unbiasedness; Kool et al. 2019, section 4.2), so the
    /// harmonic mean of q_y over the seeds that include y is near π_y. Loose bounds: each mean within 4.5 of its
    /// own standard errors of 1 (the 15 cells at about 0.0001 in all, normal approximation), the estimate of
    /// Σ_y p(y) = 1 within 0.05 (its standard error on these seeds is about 0.011), and each harmonic mean
    /// within 0.05 of π_y for outputs with π_y ≥ 0.1.
    @Test func inclusionEstimatesAreUnbiasedWeights() throws {
        let k = 3
        let p = outputs.map { exp($0.logProb) }
        let exact = Self.exactInclusion(p, k: k)
        var weights = [Double](repeating: 0, count: p.count), squares = weights, counts = [Int](repeating: 0, count: p.count)
        var totals = 0.0, totalSquares = 0.0
        for result in try samples(k: k) {
            let q = result.inclusionProbabilities!
            #expect(q.count == k)
            var total = 0.0
            for (h, qy) in zip(result.hypotheses, q) {
                #expect(qy > 0 && qy <= 1)
                let i = index(of: h.tokens)
                weights[i] += 1 / qy
                squares[i] += 1 / (qy * qy)
                counts[i] += 1
                total += p[i] / qy
            }
            totals += total
            totalSquares += total * total
        }
        let n = Double(draws)
        let total = totals / n, totalError = ((totalSquares / n - total * total) / n).squareRoot()
        #expect(abs(total - 1) < 0.05, "estimated total probability \(total) ± \(totalError)")
        var report: [String] = []
        var worst = 0.0
        for i in p.indices {
            let mean = weights[i] / n, error = ((squares[i] / n - mean * mean) / n).squareRoot()
            worst = max(worst, abs(mean - 1) / error)
            #expect(abs(mean - 1) <= 4.5 * error, "output \(outputs[i].tokens): mean 1[y ∈ S]/q \(mean) ± \(error)")
            guard exact[i] >= 0.1 else { continue }
            let harmonic = Double(counts[i]) / weights[i]
            #expect(abs(harmonic - exact[i]) < 0.05, "output \(outputs[i].tokens): harmonic mean \(harmonic), π \(exact[i])")
            report.append("\(outputs[i].tokens): π \(exact[i]) harmonic \(harmonic) weight \(mean) ± \(error)")
        }
        print("stochastic-beam estimator: total \(total) ± \(totalError); largest weight |z| \(worst); " + report.joined(separator: "; "))
    }

    /// Banned tokens never appear, and temperature changes which outputs are drawn but not their recorded
    /// log-probs (the model's).
    @Test func processorsAndTemperatureShapeTheSamplingDistribution() throws {
        var banned = request
        banned.processors = [SuppressTokensProcessor(tokens: [0])]
        for seed in 0..<50 {
            let result = try StochasticBeamSearchDecoder(numBeams: 3, seed: UInt64(seed)).decode(banned, model: model)
            #expect(result.hypotheses.allSatisfy { !$0.tokens.contains(0) })
            #expect(Set(result.hypotheses.map(\.tokens)).count == 3)
        }
        let hot = try StochasticBeamSearchDecoder(numBeams: 4, temperature: 3, seed: 8).decode(request, model: model)
        for h in hot.hypotheses { #expect(abs(h.logProb - model.logProb(of: h.tokens, after: prompt)) < 1e-5) }
    }

    /// Stopped after its second step, it returns the three kept prefixes of two tokens, and no estimates.
    @Test func stoppingEarlyReturnsTheKeptPrefixesWithoutEstimates() throws {
        var stopped = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 6, stopOnEndToken: false))
        var polls = 0
        stopped.shouldStop = { polls += 1; return polls > 1 }
        let result = try StochasticBeamSearchDecoder(numBeams: 3, seed: 1).decode(stopped, model: model)
        #expect(result.inclusionProbabilities == nil)
        #expect(result.hypotheses.count == 3)
        #expect(result.hypotheses.allSatisfy { $0.finishReason == .interrupted && $0.tokens.count == 2 })
        #expect(Set(result.hypotheses.map(\.tokens)).count == 3)
    }

    @Test func parametersAreValidated() throws {
        #expect(throws: DecodingError.invalidParameter(name: "numBeams", message: "must be at least 1, got 0")) {
            try StochasticBeamSearchDecoder(numBeams: 0)
        }
        for t in [0, -1, Double.infinity, .nan] {
            #expect(throws: DecodingError.self) { try StochasticBeamSearchDecoder(temperature: t) }
        }
        let configured = try StochasticBeamSearchDecoder(configuration: DecoderConfiguration(
            name: StochasticBeamSearchDecoder.registryName, parameters: ["numBeams": .int(2), "seed": .int(-1)]))
        #expect(configured.numBeams == 2 && configured.temperature == 1 && configured.seed == .max)
        #expect(configured.capabilities == .returnsNBest)
        #expect(StochasticBeamSearchDecoder.parameters.map(\.name) == ["numBeams", "temperature", "seed"])
    }
}
