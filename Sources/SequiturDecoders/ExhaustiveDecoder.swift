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
/// Each expansion forks its parent's state and extends it by one token, asking for the full row (states are
/// forked, never recomputed). Up to `expansionsPerCall` of the best unfinished entries are popped and expanded
/// in ONE batched `extend`; a finished entry popped behind them goes back in the queue until they are expanded,
/// so a finished sequence is still only accepted as the queue's maximum and the proof stands. The batch may
/// expand nodes a one-at-a-time search would have left alone (bounded by the batch width per step), but a
/// batched call of 32 rows costs far less than 32 calls (the weights are read once).
///
/// Children are pushed lazily: only a node's best unexplored child sits in the queue, its next sibling pushed
/// when it is popped, so the queue holds O(expansions) entries even with a 49,152-token vocabulary. A node keeps
/// only its best `childrenPerRanking` children, ranked once by a linear selection (sorting all 49,152 would cost
/// more than the model call); on the rare node whose siblings run past them, its row is fetched again (a fork
/// of its prefix re-extended by its last token: bitwise the same row, the model being batch-invariant) and the
/// next ones are ranked. Models whose states cannot fork a prefix keep their rows instead.
///
/// Budgets bound the work (`maxExpansions` rows fetched) and the memory (`maxCacheBytes` of KV cache held by
/// the search's states, on models that report it, and `maxLiveStates` states at once).
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
        ParameterSpec("maxCacheBytes", .integer, default: .int(ExhaustiveDecoder.defaultMaxCacheBytes),
                      help: "bytes of KV cache the search's states may hold (on models that report their cache); the default fits a 2 GB machine"),
        ParameterSpec("expansionsPerCall", .integer, default: .int(ExhaustiveDecoder.defaultExpansionsPerCall),
                      help: "best unfinished nodes expanded together in one batched model call (1: one at a time)"),
    ]

    /// 512 MiB: with the cache's growth and the weights, a search stays within a 2 GB machine.
    public static let defaultMaxCacheBytes = 512 << 20
    /// Best unfinished nodes expanded per batched call, by default. On the bench prompt 32 proves the answer in
    /// the same 581 expansions as one at a time, in 0.55× the time of 6 per call (48 starts to expand nodes a
    /// one-at-a-time search leaves alone: 626).
    public static let defaultExpansionsPerCall = 32
    /// Children a node ranks at a time, by default.
    public static let defaultChildrenPerRanking = 64

    public let numReturnSequences: Int
    public let maxExpansions: Int
    public let maxLiveStates: Int
    public let maxCacheBytes: Int
    public let expansionsPerCall: Int
    /// Children a node ranks at a time (the rest only when its siblings get that far). A tuning knob: the
    /// results never depend on it.
    public let childrenPerRanking: Int
    /// Candidate outputs to score and rank; nil for search mode.
    public let candidates: [[TokenID]]?

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init(numReturnSequences: Int = 1, maxExpansions: Int = 10_000, maxLiveStates: Int = 4_096,
                maxCacheBytes: Int = defaultMaxCacheBytes, expansionsPerCall: Int = defaultExpansionsPerCall,
                childrenPerRanking: Int = defaultChildrenPerRanking, candidates: [[TokenID]]? = nil) throws {
        let counts = [("numReturnSequences", numReturnSequences), ("maxExpansions", maxExpansions),
                      ("maxLiveStates", maxLiveStates), ("maxCacheBytes", maxCacheBytes),
                      ("expansionsPerCall", expansionsPerCall), ("childrenPerRanking", childrenPerRanking)]
        if let (name, value) = counts.first(where: { $0.1 < 1 }) {
            throw DecodingError.invalidParameter(name: name, message: "must be at least 1, got \(value)")
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
        self.maxCacheBytes = maxCacheBytes
        self.expansionsPerCall = expansionsPerCall
        self.childrenPerRanking = childrenPerRanking
        self.candidates = candidates
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(numReturnSequences: try c.integer("numReturnSequences"),
                      maxExpansions: try c.integer("maxExpansions"), maxLiveStates: try c.integer("maxLiveStates"),
                      maxCacheBytes: try c.integer("maxCacheBytes"), expansionsPerCall: try c.integer("expansionsPerCall"))
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        if let candidates { return try rank(candidates, request: request, model: model) }
        let result = try search(request, model: model)
        // The search's states are gone now: give back the cache they grew (only if no other state holds a
        // block, so a server's or caller's live states are never touched).
        _ = try? (model as? KVCacheManaging)?.releaseIdleMemory()
        return result
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
    /// its output, its score, and its children best first (ranked `perRanking` at a time).
    private final class Expanded {
        var state: SequenceState?
        let output: GrowingOutput
        let sum: Double
        /// The best children ranked so far, with the log-prob they are ranked by (after processors).
        private(set) var children: [TokenLogProb]
        /// The model's own log-probs of `children`, kept only when processors changed the ranking log-probs.
        private var modelLogProbs: [Float]?
        /// Allowed next tokens in all (the finite entries of the ranking row).
        let childCount: Int
        /// The whole row (ranking, then model), kept only where it cannot be fetched again.
        private var rows: (ranking: [Float], model: [Float]?)?
        /// The processors as they stand on this node's branch; each child takes a fork that accepted its token.
        let processors: LogitProcessorChain
        private let perRanking: Int

        init(state: SequenceState, output: GrowingOutput, sum: Double, answer: PositionLogProbs, plan: DecodingPlan,
             processors: LogitProcessorChain, perRanking: Int) throws {
            self.perRanking = perRanking
            self.state = state
            self.output = output
            self.sum = sum
            self.processors = processors
            let (ranking, model) = try Self.rankingRow(answer, state: state, plan: plan, processors: processors)
            childCount = ranking.reduce(0) { $1 > -.infinity ? $0 + 1 : $0 }
            children = RowSelection.topK(ranking, perRanking)
            modelLogProbs = model.map { row in children.map { row[Int($0.token)] } }
            if childCount > children.count && !(state is PrefixForkableState) { rows = (ranking, model) }
        }

        /// The row children are ranked by (the processed row when processors are set, else the model's), and
        /// the model's row when it differs.
        private static func rankingRow(_ answer: PositionLogProbs, state: SequenceState, plan: DecodingPlan,
                                       processors: LogitProcessorChain) throws -> (ranking: [Float], model: [Float]?) {
            guard plan.needsFullRows else { return (answer.fullRow, nil) }
            let ranking = plan.processed(answer.fullRow, history: state.tokens, processors: processors)
            // The proof that the first finished pop is the best rests on scores only falling as a sequence
            // grows; a processor that raises a score above 0 (a positive bias, a penalty below 1) breaks it.
            if let best = RowSelection.topK(ranking, 1).first, best.logProb > 0 {
                throw DecodingError.invalidParameter(
                    name: "processors",
                    message: "exhaustive search needs every processed log-prob ≤ 0 (its proof assumes scores only fall as a sequence grows), but the processors raised token \(best.token) to \(best.logProb)")
            }
            return (ranking, answer.fullRow)
        }

        /// Makes sure child `rank` (< `childCount`) is ranked: the next `perRanking` after the last ranked
        /// one, from the kept row or from the row fetched again through a fork of this node's prefix.
        func rank(through rank: Int, plan: DecodingPlan, model: any LanguageModel) throws {
            while rank >= children.count {
                let ranking: [Float], modelRow: [Float]?
                if let rows {
                    (ranking, modelRow) = (rows.ranking, rows.model)
                } else {
                    let forkable = state as! PrefixForkableState   // rows are kept for every other state
                    let last = forkable.tokens.last!
                    let prefix = forkable.fork(keepingFirst: forkable.count - 1)
                    let answer = try model.extend([ExtensionRequest(state: prefix, tokens: [last], lastQuery: .full)])[0].last!
                    (ranking, modelRow) = try Self.rankingRow(answer, state: forkable, plan: plan, processors: processors)
                }
                let more = RowSelection.topK(ranking, perRanking, after: children.last!)
                children += more
                if let modelRow { modelLogProbs! += more.map { modelRow[Int($0.token)] } }
            }
        }

        /// Whether this node's processors, after `token`, let the output end there.
        func permitsFinish(after token: TokenID) -> Bool {
            processors.isEmpty || processors.accepting(token).permitsFinish
        }

        func modelLogProb(_ rank: Int) -> Float {
            modelLogProbs.map { $0[rank] } ?? children[rank].logProb
        }

        func releaseRows() { rows = nil }
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
        let cache = model as? KVCacheManaging
        let startBytes = cache?.kvCacheUsage.bytesInUse ?? 0
        var heap = Heap<Frontier>()
        var pushes = 0
        var expansions = 1
        var liveStates = 1
        func push(_ node: Expanded, _ rank: Int) {
            heap.insert(Frontier(score: node.sum + Double(node.children[rank].logProb), order: pushes, node: node, rank: rank))
            pushes += 1
        }
        /// Queues `node`'s next child after `rank`, or releases its state when it has none left.
        func advance(_ node: Expanded, past rank: Int) throws {
            if rank + 1 < node.childCount {
                try node.rank(through: rank + 1, plan: plan, model: model)
                push(node, rank + 1)
            } else {
                node.state = nil
                node.releaseRows()
                liveStates -= 1
            }
        }
        let root = try Expanded(state: prefill.state, output: plan.emptyOutput(), sum: 0, answer: prefill.last, plan: plan,
                            processors: plan.startProcessors(), perRanking: childrenPerRanking)
        if root.childCount > 0 { push(root, 0) }
        var found: [Hypothesis] = []

        func result(_ certificate: SearchCertificate) -> DecodingResult {
            DecodingResult(hypotheses: found, promptLogProbs: prefill.promptLogProbs, certificate: certificate,
                           processedTokens: model.processedTokenCount - startCount)
        }

        /// An entry taken from the queue to be expanded in the next batched call.
        struct Pending {
            let entry: Frontier
            let output: GrowingOutput
            let state: SequenceState
        }

        while found.count < numReturnSequences {
            var batch: [Pending] = []
            var exhausted: (reason: String, entry: Frontier, output: GrowingOutput)?
            while batch.count < expansionsPerCall, found.count < numReturnSequences, let entry = heap.popMax() {
                let node = entry.node
                let child = node.children[entry.rank]
                var output = node.output
                if let reason = output.append(child.token, logProb: node.modelLogProb(entry.rank), plan: plan,
                                              complete: node.permitsFinish(after: child.token)) {
                    // Entries popped before it may have children that beat it: it waits until they are expanded.
                    guard batch.isEmpty else {
                        heap.insert(entry)
                        break
                    }
                    // The queue's maximum: nothing unexplored can beat it. (A prefix the processors do not let
                    // end, an unfinished grammar sentence, is not an output.)
                    if reason != .incomplete { found.append(output.hypothesis(reason, score: entry.score)) }
                    try advance(node, past: entry.rank)
                    continue
                }
                let releasesParent = entry.rank + 1 == node.childCount
                let reason: String?
                if request.shouldStop?() == true { reason = "interrupted" }
                else if expansions + batch.count >= maxExpansions { reason = "maxExpansions (\(maxExpansions)) reached" }
                else if liveStates + batch.count + (releasesParent ? 0 : 1) > maxLiveStates {
                    reason = "maxLiveStates (\(maxLiveStates)) reached"
                } else if let usage = cache?.kvCacheUsage,
                          usage.bytesInUse - startBytes + (batch.count + 1) * usage.bytesPerBlock > maxCacheBytes {
                    // Each expansion may copy one block (its parent's partly filled last block).
                    reason = "maxCacheBytes (\(maxCacheBytes)) reached"
                } else { reason = nil }
                if let reason {
                    // Stop here; the entries already taken are expanded first, so the bound below covers them.
                    if batch.isEmpty { exhausted = (reason, entry, output) } else { heap.insert(entry) }
                    break
                }
                let state = node.state!.fork()
                try advance(node, past: entry.rank)
                batch.append(Pending(entry: entry, output: output, state: state))
            }
            if let (reason, entry, output) = exhausted {
                // Everything unexplored scores at most this entry's score: it was the queue's maximum.
                let bestFound = found.first?.score
                drainFinished(&heap, into: &found, plan: plan)
                let interrupted = reason == "interrupted"
                if found.isEmpty {
                    found.append(output.hypothesis(interrupted ? .interrupted : .budget, score: entry.score))
                }
                let unfinished: Set<FinishReason> = [.budget, .interrupted]
                return result(.budgetExhausted(expansions: expansions, bestFound: unfinished.contains(found.first!.finishReason) ? bestFound : found.first?.score,
                                               upperBound: entry.score, reason: reason))
            }
            if batch.isEmpty { break }   // the queue ran dry (or the n best were found)
            let answers = try model.extend(batch.map {
                ExtensionRequest(state: $0.state, tokens: [$0.entry.node.children[$0.entry.rank].token], lastQuery: .full)
            })
            for (pending, answer) in zip(batch, answers) {
                let entry = pending.entry
                let token = entry.node.children[entry.rank].token
                expansions += 1
                liveStates += 1
                let expanded = try Expanded(state: pending.state, output: pending.output, sum: entry.score, answer: answer.last!,
                                            plan: plan, processors: entry.node.processors.accepting(token),
                                            perRanking: childrenPerRanking)
                if expanded.childCount == 0 { expanded.state = nil; liveStates -= 1 } else { push(expanded, 0) }
            }
        }
        if found.isEmpty {
            // The queue ran dry: every output within the limits was forbidden or incomplete, which is a proof too.
            throw DecodingError.noAdmissibleOutput(maxNewTokens: plan.maxNewTokens, expansions: expansions)
        }
        return result(.provenOptimal(expansions: expansions))
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
            // Only children already ranked: the drain makes no model calls.
            if entry.rank + 1 < entry.node.children.count {
                let rank = entry.rank + 1
                heap.insert(Frontier(score: entry.node.sum + Double(entry.node.children[rank].logProb),
                                     order: Int.max - pops, node: entry.node, rank: rank))
            }
        }
    }
}
