import SequiturCore

/// Beam search that returns exactly what `BeamSearchDecoder` returns (same tokens, log-probs, scores, finish
/// reasons, order) while extending fewer positions, after Meister, Vieira & Cotterell (2020), "Best-First Beam
/// Search" (TACL 8).
///
/// **Why it can skip work.** A beam's sum of ranked log-probs only falls as it grows (every ranked log-prob is
/// ≤ 0), so no candidate of a beam can score above the beam itself. `BeamSearchDecoder` extends every one of the
/// `k` beams it keeps; this decoder keeps them unextended (a token waiting on a forked state) and extends them
/// one at a time, best first, only while an unextended beam could still change the outcome:
/// 1. *Within a step* (exact for every configuration): the step's outcome is the best-ranked prefix of its
///    candidates up to the `k`-th unfinished one (or the `max(2, 1 + end tokens) · k` kept). Once that prefix is
///    known and its last candidate ranks at or above the next unextended beam's sum, no later beam can enter it
///    (a tie goes to the earlier beam, as in `BeamSearchDecoder`), so the remaining beams are never extended.
/// 2. *Against the finished list* (the paper's stopping rule): once `k` hypotheses have finished, a beam whose
///    best possible finished score cannot beat the worst of them is never extended, and candidates that cannot
///    are dropped. This needs a bound on every descendant's score, which exists when
///    - `lengthPenalty ≤ 0`: `sum / length^lengthPenalty` only falls as a sequence grows (monotone scoring; at
///      `lengthPenalty = 0` the score is the plain sum of log-probs, the case the paper proves), with
///      `earlyStopping` `false` or `never` (identical there);
///    - `earlyStopping: never` with `lengthPenalty > 0`: `sum / maxNewTokens^lengthPenalty`, the bound
///      `BeamSearchDecoder` itself stops on.
///    With `earlyStopping: false` and `lengthPenalty > 0` (transformers' heuristic) a longer descendant can
///    score above its parent, so only (1) applies; with `earlyStopping: true` the search ends as soon as `k`
///    have finished, so (2) has nothing left to prune.
///
/// The per-step bookkeeping (candidates kept, finished list, stopping, interruption, fallbacks) is
/// `BeamSearchDecoder`'s, line for line, so equality rests only on the two arguments above. Its cost: beams are
/// extended one per `extend` call instead of all in one batch, trading batching for positions.
///
/// Processors must not raise a score above 0, or (1) and (2) fail silently on beams that were never extended:
/// only token-banning processors (`TokenBanningProcessor`: bad words, no-repeat-n-gram, minimum new tokens,
/// suppressed tokens) and grammars, which only forbid tokens, are accepted; any other is refused
/// (`DecodingError.invalidParameter(name: "processors")`); use `beam` for those. A ranked log-prob above 0 on an
/// extended beam (a model row that is not a log-softmax) is refused too. With one beam `BeamSearchDecoder` is
/// greedy search, which extends only what it keeps, so this decoder runs it unchanged.
public struct BestFirstBeamSearchDecoder: Decoder {
    public typealias EarlyStopping = BeamSearchDecoder.EarlyStopping

    public static let registryName = "best-first-beam"
    static let summary = "best-first beam search: beam's exact output with fewer positions extended"
    public static let capabilities: DecoderCapabilities = .returnsNBest
    public static let widthParameter = "numBeams"
    public static let returnedSequencesParameter = "numReturnSequences"
    /// Beam search's parameters, with lengthPenalty 0 by default: the paper's sum of log-probs, under which
    /// hypotheses are also pruned against the finished list.
    public static let parameters: [ParameterSpec] = BeamSearchDecoder.parameters.map { spec in
        guard spec.name == "lengthPenalty" else { return spec }
        return ParameterSpec("lengthPenalty", .number, default: 0.0,
                             help: "as in beam; ≤ 0 (or earlyStopping never) also prunes against the finished list")
    }

    public let numBeams: Int
    public let lengthPenalty: Double
    public let earlyStopping: EarlyStopping
    public let numReturnSequences: Int
    public let noRepeatNgramSize: Int

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    /// The same parameters, checked the same way, as `BeamSearchDecoder`'s.
    public init(numBeams: Int = 4, lengthPenalty: Double = 0.0, earlyStopping: EarlyStopping = .heuristic,
                numReturnSequences: Int = 1, noRepeatNgramSize: Int = 0) throws {
        _ = try BeamSearchDecoder(numBeams: numBeams, lengthPenalty: lengthPenalty, earlyStopping: earlyStopping,
                                  numReturnSequences: numReturnSequences, noRepeatNgramSize: noRepeatNgramSize)
        self.numBeams = numBeams
        self.lengthPenalty = lengthPenalty
        self.earlyStopping = earlyStopping
        self.numReturnSequences = numReturnSequences
        self.noRepeatNgramSize = noRepeatNgramSize
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(numBeams: try c.integer("numBeams"), lengthPenalty: try c.number("lengthPenalty"),
                      earlyStopping: EarlyStopping(rawValue: try c.string("earlyStopping"))!,
                      numReturnSequences: try c.integer("numReturnSequences"),
                      noRepeatNgramSize: try c.integer("noRepeatNgramSize"))
    }

    /// The beam search this decoder equals.
    public var equivalentBeamSearch: BeamSearchDecoder {
        try! BeamSearchDecoder(numBeams: numBeams, lengthPenalty: lengthPenalty, earlyStopping: earlyStopping,
                               numReturnSequences: numReturnSequences, noRepeatNgramSize: noRepeatNgramSize)
    }

    /// Whether a finished score bounds every descendant's (argument (2) above).
    public var prunesAgainstFinished: Bool {
        earlyStopping != .always && (lengthPenalty <= 0 || earlyStopping == .never)
    }

    /// A kept beam: its state (taken from or forked off its parent when it was chosen), its output and running
    /// sum, its processors (having accepted its last token), and the model's answer once it is extended.
    private struct Beam {
        var state: SequenceState
        var output: GrowingOutput
        var sum: Double
        var processors: LogitProcessorChain
        /// The token the state has not been fed yet; nil once extended (or for the prompt).
        var pending: TokenID?
        var answer: PositionLogProbs?
    }

    /// A candidate, with what appending its token did to its beam's output.
    private struct Candidate {
        let beam: Int
        let token: TokenID
        let modelLogProb: Float
        let sum: Double
        let order: Int
        let output: GrowingOutput
        let reason: FinishReason?

        /// `BeamSearchDecoder`'s ranking: higher sum first, then beam-major, best-first enumeration order.
        func ranks(above other: Candidate) -> Bool { sum != other.sum ? sum > other.sum : order < other.order }
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        if numBeams == 1 { return try equivalentBeamSearch.decode(request, model: model) }
        if let p = request.processors.first(where: { !($0 is any TokenBanningProcessor || $0 is GrammarProcessor) }) {
            throw DecodingError.invalidParameter(
                name: "processors",
                message: "best-first beam search skips beams on the premise that scores only fall as a sequence grows; \(type(of: p)) may raise a score above 0, so use beam")
        }
        var request = request
        if noRepeatNgramSize > 0 { request.processors.append(try NoRepeatNGramProcessor(size: noRepeatNgramSize)) }
        let plan = try DecodingPlan(request, model: model)
        try BeamSearchDecoder.checkWidth(numBeams, plan: plan)
        let keep = try BeamSearchDecoder.keptCandidates(numBeams: numBeams, endTokenCount: plan.endTokens.count)
        let startCount = model.processedTokenCount
        let processors = plan.startProcessors()
        let prefill = try plan.prefill(model: model, lastQuery: query(keep: keep, processors: processors, history: request.prompt))
        var running = [Beam(state: prefill.state, output: plan.emptyOutput(), sum: 0, processors: processors,
                            pending: nil, answer: prefill.last)]
        var finished: [Hypothesis] = []   // best first, at most numBeams
        var incomplete: [Hypothesis] = []
        var improvable = true
        var generated = 0
        let prunes = prunesAgainstFinished

        while true {
            generated += 1
            // The best score anything at this length (or a descendant) can reach; only a full finished list prunes.
            let floor: Double? = prunes && finished.count == numBeams ? finished.last!.score : nil
            let boundLength = earlyStopping == .never && lengthPenalty > 0 ? plan.maxNewTokens : generated
            func hopeless(_ sum: Double) -> Bool {
                guard let floor else { return false }
                return !(sum / pow(Double(boundLength), lengthPenalty) > floor)
            }

            var ranked: [Candidate] = []   // best first, at most `keep`
            var order = 0
            for b in running.indices {
                if hopeless(running[b].sum) { break }   // beams are best first: so are all after this one
                if let last = decisivePrefix(ranked, keep: keep)?.last, !(running[b].sum > last.sum) { break }
                try extend(&running[b], keep: keep, model: model)
                let beam = running[b]
                for c in plan.bestTokens(in: beam.answer!, history: beam.state.tokens, count: keep, processors: beam.processors) {
                    guard c.rankLogProb <= 0 else {
                        throw DecodingError.invalidParameter(
                            name: "processors",
                            message: "best-first beam search needs every ranked log-prob ≤ 0, but token \(c.token) ranked at \(c.rankLogProb)")
                    }
                    let sum = beam.sum + Double(c.rankLogProb)
                    defer { order += 1 }
                    if hopeless(sum) { continue }
                    var output = beam.output
                    let chain = beam.processors
                    let reason = output.append(c.token, logProb: c.modelLogProb, plan: plan,
                                               complete: chain.isEmpty || chain.accepting(c.token).permitsFinish)
                    let candidate = Candidate(beam: b, token: c.token, modelLogProb: c.modelLogProb, sum: sum,
                                              order: order, output: output, reason: reason)
                    let at = ranked.firstIndex { candidate.ranks(above: $0) } ?? ranked.count
                    if at < keep {
                        ranked.insert(candidate, at: at)
                        if ranked.count > keep { ranked.removeLast() }
                    }
                }
            }
            let top = Array(decisivePrefix(ranked, keep: keep) ?? ranked[...])

            // From here on, BeamSearchDecoder's step, unchanged.
            var next: [Candidate] = []
            var everyCandidateFinished = true
            let closed = finished.count == numBeams && earlyStopping == .always
            for (rank, c) in top.enumerated() {
                guard let reason = c.reason else {
                    everyCandidateFinished = false
                    if next.count < numBeams { next.append(c) }
                    continue
                }
                guard rank < numBeams, improvable, !closed else { continue }
                let score = c.sum / pow(Double(generated), lengthPenalty)
                if reason == .incomplete {
                    let at = incomplete.firstIndex { $0.score < score } ?? incomplete.count
                    incomplete.insert(c.output.hypothesis(reason, score: score), at: at)
                    continue
                }
                let full = finished.count == numBeams
                if full && !(score > finished.last!.score) { continue }
                if full { finished.removeLast() }
                let at = finished.firstIndex { $0.score < score } ?? finished.count
                finished.insert(c.output.hypothesis(reason, score: score), at: at)
            }

            if finished.count == numBeams, let best = next.first {
                let length = earlyStopping == .never && lengthPenalty > 0 ? plan.maxNewTokens : generated
                if !(best.sum / pow(Double(length), lengthPenalty) > finished.last!.score) { improvable = false }
            }
            let stop = everyCandidateFinished || next.isEmpty || !improvable
                || (finished.count == numBeams && earlyStopping == .always)
            func result(_ hypotheses: [Hypothesis]) -> DecodingResult {
                DecodingResult(hypotheses: Array(hypotheses.prefix(numReturnSequences)), promptLogProbs: prefill.promptLogProbs,
                               processedTokens: model.processedTokenCount - startCount)
            }
            if !stop, request.shouldStop?() == true {
                let partial = next.map { $0.output.hypothesis(.interrupted, score: $0.sum / pow(Double(generated), lengthPenalty)) }
                return result((finished + partial).enumerated()
                    .sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
                    .map(\.element))
            }
            if stop {
                if top.isEmpty && finished.count < numReturnSequences {
                    for beam in running.prefix(numReturnSequences - finished.count) {
                        let length = Double(max(beam.output.tokens.count, 1))
                        finished.append(beam.output.hypothesis(.noAllowedToken, score: beam.sum / pow(length, lengthPenalty)))
                    }
                }
                finished += incomplete.prefix(numReturnSequences - min(finished.count, numReturnSequences))
                if finished.count < numReturnSequences {
                    for n in next.prefix(numReturnSequences - finished.count) {
                        finished.append(n.output.hypothesis(.length, score: n.sum / pow(Double(generated), lengthPenalty)))
                    }
                }
                return result(finished)
            }
            // The chosen candidates become beams without touching the model: the first child of a beam takes
            // its state, later ones fork it now, before any child is fed a token.
            var claimed = Set<Int>()
            running = next.map { n in
                let parent = running[n.beam]
                return Beam(state: claimed.insert(n.beam).inserted ? parent.state : parent.state.fork(), output: n.output,
                            sum: n.sum, processors: parent.processors.accepting(n.token), pending: n.token, answer: nil)
            }
        }
    }

    /// The part of the ranked candidates (best first, at most `keep`) that decides the step, if it is known:
    /// everything up to the `numBeams`-th unfinished candidate, or all `keep`. Nil while fewer are ranked, as a
    /// beam not yet extended could still add to it.
    private func decisivePrefix(_ ranked: [Candidate], keep: Int) -> ArraySlice<Candidate>? {
        var unfinished = 0
        for (i, c) in ranked.enumerated() where c.reason == nil {
            unfinished += 1
            if unfinished == numBeams { return ranked[...i] }
        }
        return ranked.count == keep ? ranked[...] : nil
    }

    /// Feeds a beam its pending token and keeps the model's answer (one position, one `extend` call).
    private func extend(_ beam: inout Beam, keep: Int, model: any LanguageModel) throws {
        guard let token = beam.pending else { return }
        let history = beam.state.tokens + [token]
        let result = try model.extend([ExtensionRequest(state: beam.state, tokens: [token],
                                                        lastQuery: query(keep: keep, processors: beam.processors, history: history))])
        beam.answer = result[0].last!
        beam.pending = nil
    }

    /// `BeamSearchDecoder`'s query: full rows when a processor must see them, else the top `keep` plus as many
    /// as the banning processors forbid after `history`.
    private func query(keep: Int, processors: LogitProcessorChain, history: [TokenID]) -> PositionQuery {
        if processors.needsFullRows { return .full }
        return PositionQuery(topK: keep + (processors.isEmpty ? 0 : processors.bannedTokens(history: history).count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
