#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HeapModule
import SequiturCore

/// Stochastic beam search (Kool, van Hoof & Welling 2019, "Stochastic Beams and Where to Find Them: The
/// Gumbel-Top-k Trick for Sampling Sequences Without Replacement", Algorithm 2): `numBeams` distinct outputs
/// drawn without replacement from the sampling distribution `q(y | x) = Π_i q(y_i | x, y_<i)`, where each factor
/// is the model's next-token distribution after the request's logit processors (handed log-probs, as under beam
/// search) and the temperature, renormalised.
///
/// Every output `y` (a leaf of the tree of prefixes) gets a perturbed log-prob `G_y = φ_y + Gumbel(0)`, with
/// `φ_y = log q(y | x)`, and the result is the `k` leaves with the largest `G_y`: by the Gumbel-top-k trick, an
/// ordered sample without replacement. The tree is perturbed top-down: the root draws `Gumbel(0)`, and each
/// expanded node's children draw `Gumbel(φ_child)` and are then conditioned so that their maximum equals the
/// parent's perturbed log-prob (the "truncated Gumbel" of the paper's appendix, `TruncatedGumbel`), which makes
/// every node's value the maximum over the leaves below it. Keeping the `k` best nodes at each step therefore
/// never drops one of the `k` best leaves. A finished output (end token, stop string, the token limit, a dead
/// end of the processors) stays in the set as its own only child, competing with the next step's expansions;
/// the search ends when all `k` kept nodes are finished.
///
/// Hypotheses come best perturbed first: `score` is `G_y`, `tokenLogProbs` the model's own log-probs.
/// `DecodingResult.inclusionProbabilities` holds, for each, the paper's estimate of the probability that it is
/// in a sample of `k`: `1 − exp(−exp(φ_y − κ))` where `κ` is the `(k+1)`-th largest perturbed log-prob over all
/// outputs, which is the largest value of any node pushed out of the set (their subtrees hold every other
/// leaf). `φ_y` is under the sampling distribution (the model's when the temperature is 1 and no processor
/// acts). With `κ` set this way, `Σ_{y ∈ S} f(y) q(y | x) / inclusion(y)` is an unbiased estimate of
/// `E_{y ~ q}[f(y)]`. When fewer than `k + 1` outputs exist, `κ = -inf` and every estimate is 1.
///
/// All live beams advance in one batched `extend` per step, asking for full rows (every child draws a Gumbel).
/// The draws come from `SeededRandomNumberGenerator`, one per vocabulary entry per expanded node in beam and
/// token order, so one seed gives the same outputs on every run. Interrupted by `shouldStop`, it returns the
/// kept nodes so far, unfinished ones as `.interrupted`, without inclusion estimates (they are no sample).
public struct StochasticBeamSearchDecoder: Decoder {
    public static let registryName = "stochastic-beam"
    static let summary = "samples numBeams distinct outputs without replacement (Gumbel-top-k), with inclusion probabilities"
    public static let capabilities: DecoderCapabilities = .returnsNBest
    /// `--beams K` and compare-decoders' `stochastic-beam:K` set this parameter.
    public static let widthParameter = "numBeams"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("numBeams", .integer, default: 4, help: "distinct outputs sampled without replacement (k ≥ 1)"),
        ParameterSpec("temperature", .number, default: 1.0, help: "divides next-token log-probs before sampling (> 0)"),
        ParameterSpec("seed", .integer, default: 0, help: "seed of the random generator: same seed, same outputs"),
    ]

    public let numBeams: Int
    public let temperature: Double
    public let seed: UInt64

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init(numBeams: Int = 4, temperature: Double = 1.0, seed: UInt64 = 0) throws {
        guard numBeams >= 1 else {
            throw DecodingError.invalidParameter(name: "numBeams", message: "must be at least 1, got \(numBeams)")
        }
        // Temperature 0 is no distribution to sample from without replacement (beam search is the limit).
        guard temperature > 0, temperature.isFinite else {
            throw DecodingError.invalidParameter(name: "temperature", message: "must be a finite number > 0, got \(temperature)")
        }
        self.numBeams = numBeams
        self.temperature = temperature
        self.seed = seed
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(numBeams: try c.integer("numBeams"), temperature: try c.number("temperature"),
                      seed: UInt64(bitPattern: Int64(try c.integer("seed"))))
    }

    /// The paper's inclusion-probability estimate `1 − exp(−exp(φ − κ))` of an output with sampling log-prob
    /// `φ` given the threshold `κ` (the `(k+1)`-th largest perturbed log-prob); 1 when `κ` is `-inf`.
    public static func inclusionProbability(logProb φ: Double, threshold κ: Double) -> Double {
        guard κ > -.infinity else { return 1 }
        return -expm1(-exp(φ - κ))
    }

    /// A live node: its state, output so far, sampling log-prob `φ`, perturbed log-prob, the model's answer
    /// after its last token, and its own processors.
    private struct Beam {
        var state: SequenceState
        var output: GrowingOutput
        var logProb: Double
        var perturbed: Double
        var answer: PositionLogProbs
        var processors: LogitProcessorChain
    }

    /// A finished output with its sampling log-prob.
    private struct Leaf {
        var hypothesis: Hypothesis
        var logProb: Double
    }

    private enum Node {
        case leaf(Leaf)
        case child(beam: Int, token: TokenID, modelLogProb: Float, logProb: Double)
    }

    /// A node with its perturbed log-prob and its place in the enumeration; `<` means ranks below, ties to the
    /// earlier node (ties only happen with zero probability or underflow).
    private struct Ranked: Comparable {
        let node: Node
        let perturbed: Double
        let order: Int
        static func < (a: Self, b: Self) -> Bool {
            a.perturbed != b.perturbed ? a.perturbed < b.perturbed : a.order > b.order
        }
        static func == (a: Self, b: Self) -> Bool { a.perturbed == b.perturbed && a.order == b.order }
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        let outputs = BeamSearchDecoder.distinctOutputs(vocabularySize: model.vocabulary.count, maxLength: plan.maxNewTokens)
        guard numBeams <= outputs else {
            throw DecodingError.invalidParameter(
                name: "numBeams", message: "\(numBeams) is more outputs than the \(outputs) distinct outputs of at most \(plan.maxNewTokens) tokens over \(model.vocabulary.count) tokens to sample without replacement")
        }
        let startCount = model.processedTokenCount
        var rng = SeededRandomNumberGenerator(seed: seed)
        let prefill = try plan.prefill(model: model, lastQuery: .full)
        // A Gumbel(0) root makes every leaf's value an independent Gumbel(φ_y), which the estimate's κ needs;
        // the sample itself would be the same under any root value.
        var running = [Beam(state: prefill.state, output: plan.emptyOutput(), logProb: 0,
                            perturbed: TruncatedGumbel.draw(location: 0, rng: &rng), answer: prefill.last,
                            processors: plan.startProcessors())]
        var leaves: [(leaf: Leaf, perturbed: Double)] = []
        var threshold = -Double.infinity

        while true {
            var kept = Heap<Ranked>()
            var order = 0
            func offer(_ node: Node, _ perturbed: Double) {
                // A node no better than the worst kept one would be pushed straight out (ties go to the earlier):
                // most of a large vocabulary's children never touch the heap.
                if kept.count == numBeams, let floor = kept.min, perturbed <= floor.perturbed {
                    threshold = max(threshold, perturbed)
                    return
                }
                kept.insert(Ranked(node: node, perturbed: perturbed, order: order))
                order += 1
                if kept.count > numBeams { threshold = max(threshold, kept.popMin()!.perturbed) }
            }
            for (leaf, perturbed) in leaves { offer(.leaf(leaf), perturbed) }
            for (b, beam) in running.enumerated() {
                let next = nextTokenLogProbs(beam, plan: plan)
                let draws = next.map { TruncatedGumbel.draw(location: beam.logProb + $0, rng: &rng) }
                let maximum = draws.max() ?? -.infinity
                guard maximum > -.infinity else {
                    // The processors forbade every token: the prefix is a leaf of the tree they leave.
                    offer(.leaf(Leaf(hypothesis: beam.output.hypothesis(.noAllowedToken), logProb: beam.logProb)), beam.perturbed)
                    continue
                }
                for (t, g) in draws.enumerated() where g > -.infinity {
                    offer(.child(beam: b, token: TokenID(t), modelLogProb: beam.answer.fullRow[t], logProb: beam.logProb + next[t]),
                          TruncatedGumbel.truncate(g, maximum: maximum, parent: beam.perturbed))
                }
            }

            var best: [Ranked] = []
            while let next = kept.popMax() { best.append(next) }
            leaves = []
            var live: [(beam: Int, token: TokenID, output: GrowingOutput, logProb: Double, perturbed: Double)] = []
            for r in best {
                switch r.node {
                case let .leaf(leaf):
                    leaves.append((leaf, r.perturbed))
                case let .child(b, token, modelLogProb, logProb):
                    var output = running[b].output
                    let chain = running[b].processors
                    if let reason = output.append(token, logProb: modelLogProb, plan: plan,
                                                  complete: chain.isEmpty || chain.accepting(token).permitsFinish) {
                        leaves.append((Leaf(hypothesis: output.hypothesis(reason), logProb: logProb), r.perturbed))
                    } else {
                        live.append((b, token, output, logProb, r.perturbed))
                    }
                }
            }
            if live.isEmpty {
                return DecodingResult(
                    hypotheses: leaves.map { var h = $0.leaf.hypothesis; h.score = $0.perturbed; return h },
                    promptLogProbs: prefill.promptLogProbs, processedTokens: model.processedTokenCount - startCount,
                    inclusionProbabilities: leaves.map { Self.inclusionProbability(logProb: $0.leaf.logProb, threshold: threshold) })
            }
            if request.shouldStop?() == true {
                let nodes = best.map { r -> Hypothesis in
                    var h: Hypothesis
                    switch r.node {
                    case let .leaf(leaf): h = leaf.hypothesis
                    case let .child(b, token, modelLogProb, _):
                        var output = running[b].output
                        _ = output.append(token, logProb: modelLogProb, plan: plan)
                        h = output.hypothesis(.interrupted)
                    }
                    h.score = r.perturbed
                    return h
                }
                return DecodingResult(hypotheses: nodes, promptLogProbs: prefill.promptLogProbs,
                                      processedTokens: model.processedTokenCount - startCount)
            }
            do {
                running = try advance(running, to: live, model: model)
            } catch let BackendError.outOfMemory(backend, bytes) where live.count > 1 {
                // Every live beam holds its own KV blocks: say that the width is what ran out of memory.
                throw DecodingError.invalidParameter(
                    name: "numBeams", message: "the \(live.count) live beams of a \(numBeams)-wide search need more memory than backend \(backend) could allocate (\(bytes) bytes at once); use fewer beams")
            }
        }
    }

    /// `log q(t | prefix)` for every token `t`: the model's row after the beam's processors, divided by the
    /// temperature and renormalised (processors that ban tokens leave less than all the mass); `-inf` for
    /// forbidden tokens, all `-inf` when every token is forbidden.
    private func nextTokenLogProbs(_ beam: Beam, plan: DecodingPlan) -> [Double] {
        let row = beam.processors.isEmpty ? beam.answer.fullRow
            : plan.processed(beam.answer.fullRow, history: beam.state.tokens, processors: beam.processors)
        let scaled = row.map { $0.isNaN ? -Double.infinity : Double($0) / temperature }
        guard let top = scaled.max(), top > -.infinity else { return scaled.map { _ in -.infinity } }
        let normaliser = top + log(scaled.reduce(0) { $0 + exp($1 - top) })
        return scaled.map { $0 - normaliser }
    }

    /// Moves the kept children into states (a beam's first child takes its state, later ones fork it) and
    /// extends them all in one batched call, asking for full rows.
    private func advance(_ running: [Beam],
                         to live: [(beam: Int, token: TokenID, output: GrowingOutput, logProb: Double, perturbed: Double)],
                         model: any LanguageModel) throws -> [Beam] {
        var claimed = Set<Int>()
        var states: [SequenceState] = []
        var chains: [LogitProcessorChain] = []
        for n in live {
            let parent = running[n.beam]
            states.append(claimed.insert(n.beam).inserted ? parent.state : parent.state.fork())
            chains.append(parent.processors.accepting(n.token))
        }
        let results = try model.extend(live.indices.map {
            ExtensionRequest(state: states[$0], tokens: [live[$0].token], lastQuery: .full)
        })
        return live.indices.map {
            Beam(state: states[$0], output: live[$0].output, logProb: live[$0].logProb, perturbed: live[$0].perturbed,
                 answer: results[$0].last!, processors: chains[$0])
        }
    }
}
