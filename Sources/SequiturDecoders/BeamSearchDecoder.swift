import HeapModule
import SequiturCore

/// Beam search with the semantics of Hugging Face transformers 5.x `generate(do_sample=False, num_beams=k)`.
///
/// Each step, every live beam's next-token log-probs are added to its running sum and the best `2k` candidates
/// over all beams are kept (`max(2, 1 + number of end tokens) · k` as transformers does, so that `k` unfinished
/// beams remain even when the best candidates all end; with `k = 1` transformers runs greedy search, and so does
/// this decoder: one candidate is kept and the search ends when it finishes). Of those:
/// - a candidate that finishes (end token, stop string, or the token limit) and ranks among the first `k` joins
///   the finished list with score `sum / generatedLength^lengthPenalty`, where `generatedLength` counts the new
///   tokens including the end token and excludes the prompt (transformers: `cur_len + 1 - decoder_prompt_len`);
///   the finished list keeps the best `k`;
/// - the best `k` unfinished candidates are the next step's beams.
///
/// The search stops when every kept candidate finished (the token limit), when `earlyStopping` is `true` and `k`
/// hypotheses have finished, or when `k` have finished and the best live beam cannot beat the worst of them: its
/// sum divided by `currentLength^lengthPenalty` (`earlyStopping: false`, transformers' heuristic) or by
/// `maxNewTokens^lengthPenalty` when `earlyStopping` is `never` and `lengthPenalty > 0` (the exact bound).
/// `sequences_scores` in transformers correspond to `Hypothesis.score` here.
///
/// Beams share their prefix through forked states, and all live beams advance in ONE batched `extend` per step
/// that asks each for its top `2k` log-probs (no full rows). Each beam holds its own fork of the request's logit
/// processors (`noRepeatNgramSize` adds a `NoRepeatNGramProcessor` to them), told the tokens of that beam
/// only. When every processor only bans tokens (`TokenBanningProcessor`: no-repeat-n-gram, bad words, minimum
/// new tokens, suppressed tokens), the bans are known before the step, so each beam asks for `2k + (its banned
/// count)` so that `2k` allowed candidates always come back; other processors make it ask for full rows. Ties between equal scores go
/// to the lower beam, then the lower token id (transformers leaves tie order to `torch.topk`).
public struct BeamSearchDecoder: Decoder {
    /// When to stop once `numBeams` hypotheses have finished.
    public enum EarlyStopping: String, Sendable, CaseIterable {
        /// Stop as soon as `numBeams` hypotheses have finished.
        case always = "true"
        /// Stop when the best live beam, scored at its current length, cannot beat the worst finished one.
        case heuristic = "false"
        /// Stop only when no live beam can beat the worst finished one at any length up to the limit.
        case never
    }

    public static let registryName = "beam"
    static let summary = "beam search with transformers' generate(num_beams=k) semantics"
    public static let capabilities: DecoderCapabilities = .returnsNBest
    /// `--beams K` and compare-decoders' `beam:K` set this parameter.
    public static let widthParameter = "numBeams"
    /// The command line sets this to the width so that every beam is printed.
    public static let returnedSequencesParameter = "numReturnSequences"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("numBeams", .integer, default: 4, help: "beams kept at each step (k ≥ 1)"),
        ParameterSpec("lengthPenalty", .number, default: 1.0,
                      help: "finished scores are sum / generatedLength^lengthPenalty (>0 favours longer outputs)"),
        ParameterSpec("earlyStopping", .choice(["true", "false", "never"]), default: "false",
                      help: "true: stop when numBeams hypotheses finished; false: transformers' heuristic; never: exact bound"),
        ParameterSpec("numReturnSequences", .integer, default: 1, help: "hypotheses returned (≤ numBeams), best first"),
        ParameterSpec("noRepeatNgramSize", .integer, default: 0,
                      help: "forbid any n-gram of this size from occurring twice in prompt + output (0: off; the no-repeat-ngram processor)"),
    ]

    public let numBeams: Int
    public let lengthPenalty: Double
    public let earlyStopping: EarlyStopping
    public let numReturnSequences: Int
    public let noRepeatNgramSize: Int

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init(numBeams: Int = 4, lengthPenalty: Double = 1.0, earlyStopping: EarlyStopping = .heuristic,
                numReturnSequences: Int = 1, noRepeatNgramSize: Int = 0) throws {
        guard numBeams >= 1 else {
            throw DecodingError.invalidParameter(name: "numBeams", message: "must be at least 1, got \(numBeams)")
        }
        guard lengthPenalty.isFinite else {
            throw DecodingError.invalidParameter(name: "lengthPenalty", message: "must be a finite number")
        }
        guard (1...numBeams).contains(numReturnSequences) else {
            throw DecodingError.invalidParameter(
                name: "numReturnSequences", message: "must be in 1...numBeams (\(numBeams)), got \(numReturnSequences)")
        }
        guard noRepeatNgramSize >= 0 else {
            throw DecodingError.invalidParameter(
                name: "noRepeatNgramSize", message: "must be 0 (off) or positive, got \(noRepeatNgramSize)")
        }
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

    /// A live beam: its state (the prompt and its tokens consumed), its output so far, the running sum of
    /// log-probs it is ranked by, the model's answer after its last token, and its own processors.
    /// Internal, not private: diverse beam search runs one of these steps per group with the same types.
    struct Beam {
        var state: SequenceState
        var output: GrowingOutput
        var sum: Double
        var answer: PositionLogProbs
        var processors: LogitProcessorChain
    }

    struct Candidate {
        let beam: Int
        let token: TokenID
        let modelLogProb: Float
        let sum: Double
    }

    /// A candidate with its place in the beam-major, best-first enumeration; `<` means ranks below.
    struct RankedCandidate: Comparable {
        let candidate: Candidate
        let order: Int
        static func < (a: Self, b: Self) -> Bool {
            a.candidate.sum != b.candidate.sum ? a.candidate.sum < b.candidate.sum : a.order > b.order
        }
        static func == (a: Self, b: Self) -> Bool { a.candidate.sum == b.candidate.sum && a.order == b.order }
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        var request = request
        if noRepeatNgramSize > 0 { request.processors.append(try NoRepeatNGramProcessor(size: noRepeatNgramSize)) }
        let plan = try DecodingPlan(request, model: model)
        try Self.checkWidth(numBeams, plan: plan)
        let keep = try Self.keptCandidates(numBeams: numBeams, endTokenCount: plan.endTokens.count)
        let startCount = model.processedTokenCount
        let processors = plan.startProcessors()
        let prefill = try plan.prefill(model: model, lastQuery: query(keep: keep, processors: processors, history: request.prompt))
        var running = [Beam(state: prefill.state, output: plan.emptyOutput(), sum: 0, answer: prefill.last,
                            processors: processors)]
        var finished: [Hypothesis] = []   // best first, at most numBeams
        // Beams that reached maxNewTokens inside an unfinished grammar sentence: not outputs, only a fallback
        // when fewer than numReturnSequences real ones are found. Best first.
        var incomplete: [Hypothesis] = []
        var improvable = true
        var generated = 0

        while true {
            // The best `keep` of all beams' candidates, kept in a bounded heap: a very wide beam never holds
            // beams × vocabulary candidates at once. Equal sums rank in beam order, then each beam's best-first
            // order, as a stable sort of the whole list would.
            var best = Heap<RankedCandidate>()
            var order = 0
            for (b, beam) in running.enumerated() {
                // One beam is transformers' greedy search, whose processors see raw logits.
                for c in plan.bestTokens(in: beam.answer, history: beam.state.tokens, count: keep, processors: beam.processors,
                                         onLogits: numBeams == 1) {
                    best.insert(RankedCandidate(candidate: Candidate(beam: b, token: c.token, modelLogProb: c.modelLogProb,
                                                                     sum: beam.sum + Double(c.rankLogProb)), order: order))
                    order += 1
                    if best.count > keep { _ = best.popMin() }
                }
            }
            var top: [Candidate] = []
            top.reserveCapacity(best.count)
            while let next = best.popMax() { top.append(next.candidate) }
            generated += 1

            var next: [(candidate: Candidate, output: GrowingOutput)] = []
            var everyCandidateFinished = true
            // transformers checks "full" once per step, before merging the step's finished candidates.
            let closed = finished.count == numBeams && earlyStopping == .always
            for (rank, c) in top.enumerated() {
                var output = running[c.beam].output
                let chain = running[c.beam].processors
                guard let reason = output.append(c.token, logProb: c.modelLogProb, plan: plan,
                                                 complete: chain.isEmpty || chain.accepting(c.token).permitsFinish) else {
                    everyCandidateFinished = false
                    if next.count < numBeams { next.append((c, output)) }
                    continue
                }
                guard rank < numBeams, improvable, !closed else { continue }
                let score = c.sum / pow(Double(generated), lengthPenalty)
                if reason == .incomplete {
                    let at = incomplete.firstIndex { $0.score < score } ?? incomplete.count
                    incomplete.insert(output.hypothesis(reason, score: score), at: at)
                    continue
                }
                let full = finished.count == numBeams
                if full && !(score > finished.last!.score) { continue }
                if full { finished.removeLast() }
                let at = finished.firstIndex { $0.score < score } ?? finished.count
                finished.insert(output.hypothesis(reason, score: score), at: at)
            }

            if finished.count == numBeams, let best = next.first {
                let length = earlyStopping == .never && lengthPenalty > 0 ? plan.maxNewTokens : generated
                if !(best.candidate.sum / pow(Double(length), lengthPenalty) > finished.last!.score) {
                    improvable = false
                }
            }
            let stop = everyCandidateFinished || next.isEmpty || !improvable
                || (finished.count == numBeams && earlyStopping == .always)
            if !stop, request.shouldStop?() == true {
                // The caller stopped the search: the live beams join the finished ones, ranked by the same score.
                let partial = next.map { $0.output.hypothesis(.interrupted, score: $0.candidate.sum / pow(Double(generated), lengthPenalty)) }
                let ranked = (finished + partial).enumerated()
                    .sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
                    .map(\.element)
                return DecodingResult(hypotheses: Array(ranked.prefix(numReturnSequences)), promptLogProbs: prefill.promptLogProbs,
                                      processedTokens: model.processedTokenCount - startCount)
            }
            if stop {
                if top.isEmpty && finished.count < numReturnSequences {
                    // The processors forbade every continuation of every live beam (a grammar at a dead end).
                    for beam in running.prefix(numReturnSequences - finished.count) {
                        let length = Double(max(beam.output.tokens.count, 1))
                        finished.append(beam.output.hypothesis(.noAllowedToken, score: beam.sum / pow(length, lengthPenalty)))
                    }
                }
                finished += incomplete.prefix(numReturnSequences - min(finished.count, numReturnSequences))
                if finished.count < numReturnSequences {
                    // Only with vocabularies too small to fill the beams: fall back on the best live beams.
                    for n in next.prefix(numReturnSequences - finished.count) {
                        finished.append(n.output.hypothesis(.length, score: n.candidate.sum / pow(Double(generated), lengthPenalty)))
                    }
                }
                return DecodingResult(hypotheses: Array(finished.prefix(numReturnSequences)),
                                      promptLogProbs: prefill.promptLogProbs,
                                      processedTokens: model.processedTokenCount - startCount)
            }
            do {
                running = try advance(running, to: next, keep: keep, plan: plan, model: model)
            } catch let BackendError.outOfMemory(backend, bytes) where next.count > 1 {
                // Every live beam holds its own KV blocks: say that the width is what ran out of memory.
                throw DecodingError.invalidParameter(
                    name: "numBeams", message: "the \(next.count) live beams of a \(numBeams)-wide search need more memory than backend \(backend) could allocate (\(bytes) bytes at once); use fewer beams")
            }
        }
    }

    /// Moves the chosen candidates into states (the first child of a beam takes its state, later ones fork it)
    /// and extends them all in one batched call.
    private func advance(_ running: [Beam], to next: [(candidate: Candidate, output: GrowingOutput)], keep: Int,
                         plan: DecodingPlan, model: any LanguageModel) throws -> [Beam] {
        var claimed = Set<Int>()
        var states: [SequenceState] = []
        var chains: [LogitProcessorChain] = []
        for n in next {
            let parent = running[n.candidate.beam]
            states.append(claimed.insert(n.candidate.beam).inserted ? parent.state : parent.state.fork())
            chains.append(parent.processors.accepting(n.candidate.token))
        }
        let requests = next.indices.map {
            ExtensionRequest(state: states[$0], tokens: [next[$0].candidate.token],
                             lastQuery: query(keep: keep, processors: chains[$0],
                                              history: running[next[$0].candidate.beam].state.tokens + [next[$0].candidate.token]))
        }
        let results = try model.extend(requests)
        return next.indices.map {
            Beam(state: states[$0], output: next[$0].output, sum: next[$0].candidate.sum,
                 answer: results[$0].last!, processors: chains[$0])
        }
    }

    /// Candidates ranked each step: `max(2, 1 + number of end tokens) · k`, as transformers does, so that `k`
    /// unfinished beams remain even when the best candidates all end. With one beam transformers runs greedy
    /// search instead (`generate(num_beams=1)`), so one candidate is kept and the first finished one ends it.
    /// `oneBeamIsGreedy: false` is for a search whose single beam is one group among several (diverse beam
    /// search), which stays a beam search.
    static func candidatesKept(numBeams: Int, endTokenCount: Int, oneBeamIsGreedy: Bool = true) -> Int? {
        if numBeams == 1 && oneBeamIsGreedy { return 1 }
        let (kept, overflow) = max(2, 1 + endTokenCount).multipliedReportingOverflow(by: numBeams)
        return overflow ? nil : kept
    }

    /// `candidatesKept`, or the error a width too large to rank candidates for gets.
    static func keptCandidates(numBeams: Int, endTokenCount: Int, oneBeamIsGreedy: Bool = true) throws -> Int {
        guard let kept = candidatesKept(numBeams: numBeams, endTokenCount: endTokenCount, oneBeamIsGreedy: oneBeamIsGreedy) else {
            throw DecodingError.invalidParameter(name: "numBeams", message: "\(numBeams) is too many beams to rank candidates for")
        }
        return kept
    }

    /// Refuses more beams than there are distinct outputs: every per-step array is sized by the width, so one
    /// like 2^62 must be refused before any work, not overflow or exhaust memory.
    static func checkWidth(_ numBeams: Int, plan: DecodingPlan) throws {
        let vocabularySize = plan.vocabulary.count
        let outputs = distinctOutputs(vocabularySize: vocabularySize, maxLength: plan.maxNewTokens)
        guard numBeams <= outputs else {
            throw DecodingError.invalidParameter(
                name: "numBeams", message: "\(numBeams) is more beams than the \(outputs) distinct outputs of at most \(plan.maxNewTokens) tokens over \(vocabularySize) tokens")
        }
    }

    /// How many outputs of 1 to `maxLength` tokens exist, saturating at `Int.max`.
    public static func distinctOutputs(vocabularySize: Int, maxLength: Int) -> Int {
        var total = 0, level = 1
        for _ in 0..<maxLength {
            let (next, overflow) = level.multipliedReportingOverflow(by: vocabularySize)
            if overflow { return .max }
            level = next
            let (sum, overflowed) = total.addingReportingOverflow(level)
            if overflowed { return .max }
            total = sum
        }
        return total
    }

    /// What a beam asks the model for: full rows when a processor must see them, else the top `keep` plus as
    /// many as its banning processors forbid after `history`, which leaves `keep` allowed candidates.
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
