import HeapModule
import SequiturCore
import SequiturScoring

/// Finds `ŷ = argmax_y Pr(y | x)` exactly, with a certificate.
///
/// **Candidate mode** (`candidates` given): scores every candidate `y` as `Σ_i log Pr(y_i | x, y_<i)` with the
/// `SharedPrefixScorer` (one shared prefill of the prompt, a fork per candidate, one batched extend), and
/// returns them all, best first.
///
/// **Search mode**: best-first (uniform-cost) search over the outputs the other decoders can produce: sequences
/// that end in an end token or a stop string, or reach `maxNewTokens`. A sequence's log-prob only falls as it
/// grows (every factor is ≤ 0), so when a finished sequence is popped from the priority queue nothing left can
/// beat it: the first finished pop is the global argmax, the next ones are the exact n-best in order. Nodes
/// below the n-th best finished score are never expanded, because the search ends before they are popped.
///
/// Each expansion forks its parent's state and extends it by one token in one `extend`, asking for the full
/// row (states are forked, never recomputed). Children are pushed lazily: a node's children are sorted once and
/// only its best unexplored child sits in the queue, its next sibling pushed when it is popped, so the queue
/// holds O(expansions) entries even with a 49,152-token vocabulary. One expansion per extend keeps the
/// certificate simple; batching several pops would stay exact but expands nodes a sequential search would not.
///
/// Budgets bound the work (`maxExpansions` rows fetched) and the memory (`maxLiveStates` states held at once).
/// When one runs out the result carries `SearchCertificate.budgetExhausted` with the best finished sequence
/// found and the upper bound (the best score left in the queue) on anything unexplored; otherwise
/// `.provenOptimal`.
public struct ExhaustiveDecoder: Decoder {
    public static let registryName = "exhaustive"
    static let summary = "exact best-first search for the most likely output, with a certificate"
    public static let capabilities: DecoderCapabilities = [.returnsNBest, .certifiesOptimality]
    public static let returnedSequencesParameter = "numReturnSequences"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("numReturnSequences", .integer, default: 1, help: "the exact n best outputs, best first"),
        ParameterSpec("maxExpansions", .integer, default: 10_000,
                      help: "next-token rows the search may fetch before it stops with a budget certificate"),
        ParameterSpec("maxLiveStates", .integer, default: 4_096,
                      help: "sequence states (KV caches) the search may hold at once"),
    ]

    public let numReturnSequences: Int
    public let maxExpansions: Int
    public let maxLiveStates: Int
    /// Candidate outputs to score and rank; nil for search mode.
    public let candidates: [[TokenID]]?

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init(numReturnSequences: Int = 1, maxExpansions: Int = 10_000, maxLiveStates: Int = 4_096,
                candidates: [[TokenID]]? = nil) throws {
        guard numReturnSequences >= 1 else {
            throw DecodingError.invalidParameter(name: "numReturnSequences", message: "must be at least 1, got \(numReturnSequences)")
        }
        guard maxExpansions >= 1 else {
            throw DecodingError.invalidParameter(name: "maxExpansions", message: "must be at least 1, got \(maxExpansions)")
        }
        guard maxLiveStates >= 1 else {
            throw DecodingError.invalidParameter(name: "maxLiveStates", message: "must be at least 1, got \(maxLiveStates)")
        }
        if let candidates {
            guard !candidates.isEmpty else {
                throw DecodingError.invalidParameter(name: "candidates", message: "the candidate list is empty")
            }
            if let i = candidates.firstIndex(where: \.isEmpty) {
                throw DecodingError.invalidParameter(name: "candidates[\(i)]", message: "a candidate needs at least one token")
            }
        }
        self.numReturnSequences = numReturnSequences
        self.maxExpansions = maxExpansions
        self.maxLiveStates = maxLiveStates
        self.candidates = candidates
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(numReturnSequences: try c.integer("numReturnSequences"),
                      maxExpansions: try c.integer("maxExpansions"), maxLiveStates: try c.integer("maxLiveStates"))
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        if let candidates { return try rank(candidates, request: request, model: model) }
        return try search(request, model: model)
    }

    // MARK: Candidate mode

    /// The prompt is fed from a fork of `prefixState` when there is one. Prompt log-probs, when asked for, are
    /// one more request to the same scorer call (the prompt's tokens after its first, given its first): its
    /// prefill and fork join the candidates' batches, at the cost of feeding the prompt a second time.
    private func rank(_ candidates: [[TokenID]], request: DecodingRequest,
                      model: any LanguageModel) throws -> DecodingResult {
        var sized = request
        sized.stop.maxNewTokens = candidates.map(\.count).max()!
        let plan = try DecodingPlan(sized, model: model)
        let startCount = model.processedTokenCount
        let vocabularySize = model.vocabulary.count
        if let t = candidates.joined().first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw LanguageModelError.tokenOutOfRange(token: t, vocabularySize: vocabularySize)
        }
        let prompt = request.prompt
        var requests = candidates.enumerated().map {
            ScoringRequest(id: "candidates[\($0.offset)]", context: prompt, continuation: $0.element)
        }
        if request.returnPromptLogProbs {
            requests.append(ScoringRequest(id: "prompt", context: [prompt[0]], continuation: Array(prompt.dropFirst())))
        }
        // One batch for everything: one prefill call, then one call for all the forks.
        let scored = try SharedPrefixScorer(batchSize: requests.count, prefix: request.prefixState)
            .score(requests, model: model)

        let hypotheses = candidates.indices.map { i -> Hypothesis in
            let c = candidates[i]
            let reason: FinishReason = plan.endTokens.contains(c.last!) ? .endToken : .length
            return Hypothesis(tokens: c, tokenLogProbs: scored[i].tokenLogProbs, finishReason: reason)
        }
        let ranked = hypotheses.enumerated()
            .sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
            .map(\.element)
        return DecodingResult(hypotheses: ranked, promptLogProbs: request.returnPromptLogProbs ? scored.last!.tokenLogProbs : nil,
                              certificate: .provenOptimal(expansions: candidates.count),
                              processedTokens: model.processedTokenCount - startCount)
    }

    // MARK: Search mode

    /// A sequence whose next-token row has been fetched: its state (released once every child has been taken),
    /// its output, its score, and its children sorted best first.
    private final class Expanded {
        var state: SequenceState?
        let output: GrowingOutput
        let sum: Double
        /// Allowed next tokens, best first, with the log-prob they are ranked by (after processors).
        let children: [TokenLogProb]
        /// The model's own row, kept only when processors changed the ranking log-probs.
        let modelRow: [Float]?
        /// The processors as they stand on this node's branch; each child takes a fork that accepted its token.
        let processors: LogitProcessorChain

        init(state: SequenceState, output: GrowingOutput, sum: Double, answer: PositionLogProbs, plan: DecodingPlan,
             processors: LogitProcessorChain) throws {
            self.state = state
            self.output = output
            self.sum = sum
            self.processors = processors
            if plan.needsFullRows {
                children = RowSelection.sorted(plan.processed(answer.fullRow, history: state.tokens, processors: processors))
                modelRow = answer.fullRow
                // The proof that the first finished pop is the best rests on scores only falling as a sequence
                // grows; a processor that raises a score above 0 (a positive bias, a penalty below 1) breaks it.
                if let best = children.first, best.logProb > 0 {
                    throw DecodingError.invalidParameter(
                        name: "processors",
                        message: "exhaustive search needs every processed log-prob ≤ 0 (its proof assumes scores only fall as a sequence grows), but the processors raised token \(best.token) to \(best.logProb)")
                }
            } else {
                children = RowSelection.sorted(answer.fullRow)
                modelRow = nil
            }
        }

        /// Whether this node's processors, after `token`, let the output end there.
        func permitsFinish(after token: TokenID) -> Bool {
            processors.isEmpty || processors.accepting(token).permitsFinish
        }

        func modelLogProb(_ rank: Int) -> Float {
            modelRow.map { $0[Int(children[rank].token)] } ?? children[rank].logProb
        }
    }

    /// The `rank`-th best child of `node`, keyed by its score; equal scores pop in insertion order.
    private struct Frontier: Comparable {
        let score: Double
        let order: Int
        let node: Expanded
        let rank: Int

        static func < (a: Frontier, b: Frontier) -> Bool {
            a.score != b.score ? a.score < b.score : a.order > b.order
        }
        static func == (a: Frontier, b: Frontier) -> Bool { a.score == b.score && a.order == b.order }
    }

    private func search(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        let startCount = model.processedTokenCount
        let prefill = try plan.prefill(model: model, lastQuery: .full)
        var heap = Heap<Frontier>()
        var pushes = 0
        func push(_ node: Expanded, _ rank: Int) {
            heap.insert(Frontier(score: node.sum + Double(node.children[rank].logProb), order: pushes, node: node, rank: rank))
            pushes += 1
        }
        let root = try Expanded(state: prefill.state, output: plan.emptyOutput(), sum: 0, answer: prefill.last, plan: plan,
                            processors: plan.startProcessors())
        if !root.children.isEmpty { push(root, 0) }
        var expansions = 1
        var liveStates = 1
        var found: [Hypothesis] = []

        func result(_ certificate: SearchCertificate) -> DecodingResult {
            DecodingResult(hypotheses: found, promptLogProbs: prefill.promptLogProbs, certificate: certificate,
                           processedTokens: model.processedTokenCount - startCount)
        }

        while found.count < numReturnSequences, let entry = heap.popMax() {
            let node = entry.node
            let child = node.children[entry.rank]
            var output = node.output
            if let reason = output.append(child.token, logProb: node.modelLogProb(entry.rank), plan: plan,
                                          complete: node.permitsFinish(after: child.token)) {
                // A prefix the processors do not let end (an unfinished grammar sentence) is not an output.
                if reason != .incomplete { found.append(output.hypothesis(reason, score: entry.score)) }
                advance(node, past: entry.rank, push: push, liveStates: &liveStates)
                continue
            }
            let releasesParent = entry.rank + 1 == node.children.count
            var exhausted: String?
            let interrupted = request.shouldStop?() == true
            if interrupted { exhausted = "interrupted" }
            else if expansions >= maxExpansions { exhausted = "maxExpansions (\(maxExpansions)) reached" }
            else if liveStates + (releasesParent ? 0 : 1) > maxLiveStates {
                exhausted = "maxLiveStates (\(maxLiveStates)) reached"
            }
            if let exhausted {
                // Everything unexplored scores at most this entry's score: it was the queue's maximum.
                let bestFound = found.first?.score
                drainFinished(&heap, into: &found, plan: plan)
                if found.isEmpty {
                    found.append(output.hypothesis(interrupted ? .interrupted : .budget, score: entry.score))
                }
                let unfinished: Set<FinishReason> = [.budget, .interrupted]
                return result(.budgetExhausted(expansions: expansions, bestFound: unfinished.contains(found.first!.finishReason) ? bestFound : found.first?.score,
                                               upperBound: entry.score, reason: exhausted))
            }
            let state = node.state!.fork()
            advance(node, past: entry.rank, push: push, liveStates: &liveStates)
            let answer = try model.extend([ExtensionRequest(state: state, tokens: [child.token], lastQuery: .full)])[0].last!
            expansions += 1
            liveStates += 1
            let expanded = try Expanded(state: state, output: output, sum: entry.score, answer: answer, plan: plan,
                                    processors: node.processors.accepting(child.token))
            if expanded.children.isEmpty { expanded.state = nil; liveStates -= 1 } else { push(expanded, 0) }
        }
        if found.isEmpty {
            // The queue ran dry: every output within the limits was forbidden or incomplete, which is a proof too.
            throw DecodingError.noAdmissibleOutput(maxNewTokens: plan.maxNewTokens, expansions: expansions)
        }
        return result(.provenOptimal(expansions: expansions))
    }

    /// Queues `node`'s next child after `rank`, or releases its state when it has none left.
    private func advance(_ node: Expanded, past rank: Int, push: (Expanded, Int) -> Void, liveStates: inout Int) {
        if rank + 1 < node.children.count {
            push(node, rank + 1)
        } else {
            node.state = nil
            liveStates -= 1
        }
    }

    /// After the budget ran out: finished sequences still reachable without a model call (children that end the
    /// sequence), best first, up to `numReturnSequences`. They are real outputs with exact scores, though no
    /// longer proven best. The number of queue pops is bounded so that this stays cheap.
    private func drainFinished(_ heap: inout Heap<Frontier>, into found: inout [Hypothesis], plan: DecodingPlan) {
        var pops = 0
        while found.count < numReturnSequences, pops < 100_000, let entry = heap.popMax() {
            pops += 1
            var output = entry.node.output
            let token = entry.node.children[entry.rank].token
            if let reason = output.append(token, logProb: entry.node.modelLogProb(entry.rank), plan: plan,
                                          complete: entry.node.permitsFinish(after: token)), reason != .incomplete {
                found.append(output.hypothesis(reason, score: entry.score))
            }
            if entry.rank + 1 < entry.node.children.count {
                let rank = entry.rank + 1
                heap.insert(Frontier(score: entry.node.sum + Double(entry.node.children[rank].logProb),
                                     order: Int.max - pops, node: entry.node, rank: rank))
            }
        }
    }
}
