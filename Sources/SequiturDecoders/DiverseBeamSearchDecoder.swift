import HeapModule
import SequiturCore

/// Diverse beam search (Vijayakumar et al. 2016, "Diverse Beam Search: Decoding Diverse Solutions from Neural
/// Sequence Models", arXiv:1610.02424) with the group semantics of transformers 4.x
/// `generate(num_beams=k, num_beam_groups=G, diversity_penalty=λ)`: `_group_beam_search` with its
/// `HammingDiversityLogitsProcessor`. (transformers 5 moved group beam search out of the library, to the Hub's
/// "transformers-community/group-beam-search"; these are the published 4.x semantics.)
///
/// The `k` beams form `G` groups of `k / G`, each a beam search of its own (`BeamSearchDecoder`'s step: its
/// `max(2, 1 + end tokens) · (k / G)` candidates, its finished list of `k / G`, its stopping rule). Every group
/// starts from the prompt. At each step the groups choose in order, and group `g`'s next-token log-probs are
/// lowered, before the request's processors see them (transformers' processor order), by
/// `λ · (number of beams of groups 0 ..< g that chose that token at this step)`: Hamming diversity. The lowered
/// scores are what the beams' sums accumulate and `Hypothesis.score` reports, as transformers' `sequences_scores`
/// do; `tokenLogProbs` stay the model's. A group stops on its own (its later steps cost nothing); the search
/// ends when every group has, and the groups' hypotheses are merged best first (ties to the lower group).
///
/// All live beams of all groups advance in one batched `extend` per step, as in transformers. Rows stay top-k
/// when every processor only bans tokens: a beam of group `g` asks for `keep + banned + g · (k / G)` tokens, as
/// the earlier groups' beams lower at most `g · (k / G)` distinct tokens, so `keep` allowed ones that no earlier
/// group took always come back.
///
/// With one group this is `BeamSearchDecoder` exactly (transformers too runs plain beam search for
/// `num_beam_groups=1`), one beam included (greedy search). Where it departs from transformers 4.x: a group that
/// has stopped lowers nothing (transformers 4.x keeps feeding its beams the padding token, which then counts
/// against later groups), and the per-group stopping rule is `BeamSearchDecoder`'s (the best live beam against
/// the worst finished one).
public struct DiverseBeamSearchDecoder: Decoder {
    public typealias EarlyStopping = BeamSearchDecoder.EarlyStopping

    public static let registryName = "diverse-beam"
    static let summary = "diverse beam search: groups of beams with a Hamming diversity penalty (transformers' num_beam_groups)"
    public static let capabilities: DecoderCapabilities = .returnsNBest
    public static let widthParameter = "numBeams"
    public static let returnedSequencesParameter = "numReturnSequences"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("numBeams", .integer, default: 4, help: "beams in all (k ≥ 1), divisible by numBeamGroups"),
        ParameterSpec("numBeamGroups", .integer, default: 2, help: "groups of numBeams / numBeamGroups beams (1: plain beam search)"),
        ParameterSpec("diversityPenalty", .number, default: 0.5,
                      help: "subtracted from a token's log-prob once per beam of an earlier group that took it at this step (≥ 0)"),
        ParameterSpec("lengthPenalty", .number, default: 1.0,
                      help: "finished scores are sum / generatedLength^lengthPenalty, as in beam"),
        ParameterSpec("earlyStopping", .choice(["true", "false", "never"]), default: "false",
                      help: "each group's stopping rule, as in beam: true | false (heuristic) | never (exact bound)"),
        ParameterSpec("numReturnSequences", .integer, default: 1, help: "hypotheses returned (≤ numBeams), best first over all groups"),
    ]

    public let numBeams: Int
    public let numBeamGroups: Int
    public let diversityPenalty: Double
    public let lengthPenalty: Double
    public let earlyStopping: EarlyStopping
    public let numReturnSequences: Int

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }
    /// Beams per group.
    public var groupSize: Int { numBeams / numBeamGroups }

    public init(numBeams: Int = 4, numBeamGroups: Int = 2, diversityPenalty: Double = 0.5, lengthPenalty: Double = 1.0,
                earlyStopping: EarlyStopping = .heuristic, numReturnSequences: Int = 1) throws {
        _ = try BeamSearchDecoder(numBeams: numBeams, lengthPenalty: lengthPenalty, earlyStopping: earlyStopping,
                                  numReturnSequences: numReturnSequences)
        guard numBeamGroups >= 1, numBeams % numBeamGroups == 0 else {
            throw DecodingError.invalidParameter(
                name: "numBeamGroups", message: "must be at least 1 and divide numBeams (\(numBeams)), got \(numBeamGroups)")
        }
        guard diversityPenalty.isFinite, diversityPenalty >= 0 else {
            throw DecodingError.invalidParameter(name: "diversityPenalty", message: "must be a finite number ≥ 0, got \(diversityPenalty)")
        }
        self.numBeams = numBeams
        self.numBeamGroups = numBeamGroups
        self.diversityPenalty = diversityPenalty
        self.lengthPenalty = lengthPenalty
        self.earlyStopping = earlyStopping
        self.numReturnSequences = numReturnSequences
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(numBeams: try c.integer("numBeams"), numBeamGroups: try c.integer("numBeamGroups"),
                      diversityPenalty: try c.number("diversityPenalty"), lengthPenalty: try c.number("lengthPenalty"),
                      earlyStopping: EarlyStopping(rawValue: try c.string("earlyStopping"))!,
                      numReturnSequences: try c.integer("numReturnSequences"))
    }

    // A group's beams and candidates are beam search's own, so a group's step is `BeamSearchDecoder`'s.
    private typealias Beam = BeamSearchDecoder.Beam
    private typealias Candidate = BeamSearchDecoder.Candidate
    private typealias RankedCandidate = BeamSearchDecoder.RankedCandidate

    /// One group's beam search: its live beams, finished list (at most `groupSize`, best first), grammar
    /// fallbacks, and, once it has stopped, its hypotheses.
    private struct Group {
        var running: [Beam]
        var finished: [Hypothesis] = []
        var incomplete: [Hypothesis] = []
        var improvable = true
        var next: [(candidate: Candidate, output: GrowingOutput)] = []
        var result: [Hypothesis]?
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        try BeamSearchDecoder.checkWidth(numBeams, plan: plan)
        let size = groupSize
        // One group is BeamSearchDecoder (greedy with one beam); a group among several is always a beam search.
        let keep = try BeamSearchDecoder.keptCandidates(numBeams: size, endTokenCount: plan.endTokens.count,
                                                        oneBeamIsGreedy: numBeamGroups == 1)
        let onLogits = numBeams == 1
        let penalising = diversityPenalty > 0 && numBeamGroups > 1
        let startCount = model.processedTokenCount
        let processors = plan.startProcessors()
        // The prompt's row serves every group's first step, so it is asked for the last group's count.
        let prefill = try plan.prefill(model: model, lastQuery: query(keep: keep, group: numBeamGroups - 1, processors: processors,
                                                                      history: request.prompt))
        let start = Beam(state: prefill.state, output: plan.emptyOutput(), sum: 0, answer: prefill.last, processors: processors)
        var groups = [Group](repeating: Group(running: [start]), count: numBeamGroups)
        let returned = min(numReturnSequences, size)
        var generated = 0

        func result(_ hypotheses: [Hypothesis]) -> DecodingResult {
            DecodingResult(hypotheses: Array(hypotheses.prefix(numReturnSequences)), promptLogProbs: prefill.promptLogProbs,
                           processedTokens: model.processedTokenCount - startCount)
        }

        while true {
            generated += 1
            // Tokens the earlier groups' beams took at this step, with how many took each.
            var taken: [TokenID: Int] = [:]
            for g in groups.indices where groups[g].result == nil {
                var best = Heap<RankedCandidate>()
                var order = 0
                for (b, beam) in groups[g].running.enumerated() {
                    for c in rankedTokens(beam, plan: plan, count: keep, taken: penalising ? taken : [:], onLogits: onLogits) {
                        best.insert(RankedCandidate(candidate: Candidate(beam: b, token: c.token, modelLogProb: c.modelLogProb,
                                                                         sum: beam.sum + Double(c.rankLogProb)), order: order))
                        order += 1
                        if best.count > keep { _ = best.popMin() }
                    }
                }
                var top: [Candidate] = []
                while let next = best.popMax() { top.append(next.candidate) }
                for t in step(&groups[g], top: top, generated: generated, returned: returned, plan: plan) {
                    taken[t, default: 0] += 1
                }
            }
            if groups.allSatisfy({ $0.result != nil }) { return result(merged(groups.map { $0.result! })) }
            if request.shouldStop?() == true {
                // Interrupted: each live group's beams join its finished ones, ranked by the same score.
                let lists = groups.map { group -> [Hypothesis] in
                    if let done = group.result { return done }
                    let partial = group.next.map {
                        $0.output.hypothesis(.interrupted, score: $0.candidate.sum / pow(Double(generated), lengthPenalty))
                    }
                    return (group.finished + partial).enumerated()
                        .sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
                        .map(\.element)
                }
                return result(merged(lists))
            }
            try advance(&groups, keep: keep, model: model)
        }
    }

    /// `BeamSearchDecoder`'s step for one group, on its ranked candidates `top`: finished candidates among the
    /// first `groupSize` join its finished list, the first `groupSize` unfinished ones become `next`; when the
    /// group stops, `result` holds its hypotheses (at most `returned`).
    ///
    /// Returns the tokens the group took at this step, which later groups are penalised for: those of the first
    /// `groupSize` candidates that did not end (by an end token or a stop string). That is transformers 4.x's
    /// `current_tokens`: its next beams, chosen even at the step where the group is then marked done, and at the
    /// token limit, where transformers cuts its beams rather than finishing them.
    private func step(_ group: inout Group, top: [Candidate], generated: Int, returned: Int, plan: DecodingPlan) -> [TokenID] {
        let size = groupSize
        var took: [TokenID] = []
        var next: [(candidate: Candidate, output: GrowingOutput)] = []
        var everyCandidateFinished = true
        let closed = group.finished.count == size && earlyStopping == .always
        for (rank, c) in top.enumerated() {
            var output = group.running[c.beam].output
            let chain = group.running[c.beam].processors
            let reason = output.append(c.token, logProb: c.modelLogProb, plan: plan,
                                       complete: chain.isEmpty || chain.accepting(c.token).permitsFinish)
            if took.count < size, reason != .endToken, reason != .stopString { took.append(c.token) }
            guard let reason else {
                everyCandidateFinished = false
                if next.count < size { next.append((c, output)) }
                continue
            }
            guard rank < size, group.improvable, !closed else { continue }
            let score = c.sum / pow(Double(generated), lengthPenalty)
            if reason == .incomplete {
                let at = group.incomplete.firstIndex { $0.score < score } ?? group.incomplete.count
                group.incomplete.insert(output.hypothesis(reason, score: score), at: at)
                continue
            }
            let full = group.finished.count == size
            if full && !(score > group.finished.last!.score) { continue }
            if full { group.finished.removeLast() }
            let at = group.finished.firstIndex { $0.score < score } ?? group.finished.count
            group.finished.insert(output.hypothesis(reason, score: score), at: at)
        }
        if group.finished.count == size, let best = next.first {
            let length = earlyStopping == .never && lengthPenalty > 0 ? plan.maxNewTokens : generated
            if !(best.candidate.sum / pow(Double(length), lengthPenalty) > group.finished.last!.score) { group.improvable = false }
        }
        group.next = next
        let stop = everyCandidateFinished || next.isEmpty || !group.improvable
            || (group.finished.count == size && earlyStopping == .always)
        guard stop else { return took }
        var finished = group.finished
        if top.isEmpty && finished.count < returned {
            // The processors forbade every continuation of every live beam (a grammar at a dead end).
            for beam in group.running.prefix(returned - finished.count) {
                let length = Double(max(beam.output.tokens.count, 1))
                finished.append(beam.output.hypothesis(.noAllowedToken, score: beam.sum / pow(length, lengthPenalty)))
            }
        }
        finished += group.incomplete.prefix(returned - min(finished.count, returned))
        if finished.count < returned {
            for n in next.prefix(returned - finished.count) {
                finished.append(n.output.hypothesis(.length, score: n.candidate.sum / pow(Double(generated), lengthPenalty)))
            }
        }
        group.result = Array(finished.prefix(returned))
        return took
    }

    /// The groups' hypothesis lists merged best first, each list's own order kept, ties to the earlier group
    /// (one group's list comes back unchanged, as `BeamSearchDecoder` returns it).
    private func merged(_ lists: [[Hypothesis]]) -> [Hypothesis] {
        var heads = [Int](repeating: 0, count: lists.count)
        var out: [Hypothesis] = []
        while true {
            var pick: Int?
            for g in lists.indices where heads[g] < lists[g].count {
                if let p = pick, !(lists[g][heads[g]].score > lists[p][heads[p]].score) { continue }
                pick = g
            }
            guard let g = pick else { return out }
            out.append(lists[g][heads[g]])
            heads[g] += 1
        }
    }

    /// A beam's `count` best next tokens after the diversity penalty and its processors. Without a penalty this
    /// is `DecodingPlan.bestTokens`, as `BeamSearchDecoder` ranks.
    private func rankedTokens(_ beam: Beam, plan: DecodingPlan, count: Int, taken: [TokenID: Int],
                              onLogits: Bool) -> [RankedToken] {
        let history = beam.state.tokens
        guard !taken.isEmpty else {
            return plan.bestTokens(in: beam.answer, history: history, count: count, processors: beam.processors, onLogits: onLogits)
        }
        // transformers: scores -= diversity_penalty * token_frequency, in float32, before the other processors.
        let penalty = Float(diversityPenalty)
        let model = beam.answer.fullRow
        if !model.isEmpty {
            var row = model
            for (t, n) in taken { row[Int(t)] -= penalty * Float(n) }
            beam.processors.process(&row, history: history)
            return RowSelection.topK(row, count).map {
                RankedToken(token: $0.token, rankLogProb: $0.logProb, modelLogProb: model[Int($0.token)])
            }
        }
        // Top-k rows: every processor only bans, so only the penalty reorders what the model sent.
        let banned = beam.processors.isEmpty ? [] : beam.processors.bannedTokens(history: history)
        return beam.answer.topK
            .filter { !banned.contains($0.token) && $0.logProb > -.infinity }
            .map { RankedToken(token: $0.token, rankLogProb: $0.logProb - penalty * Float(taken[$0.token] ?? 0), modelLogProb: $0.logProb) }
            .sorted { $0.rankLogProb != $1.rankLogProb ? $0.rankLogProb > $1.rankLogProb : $0.token < $1.token }
            .prefix(count).map { $0 }
    }

    /// Moves every live group's chosen candidates into states (a state's first child takes it, later ones, in
    /// any group, fork it: at the first step all groups share the prompt's) and extends them all in one call.
    private func advance(_ groups: inout [Group], keep: Int, model: any LanguageModel) throws {
        var claimed = Set<ObjectIdentifier>()
        var requests: [ExtensionRequest] = []
        var made: [(group: Int, output: GrowingOutput, sum: Double, processors: LogitProcessorChain, state: SequenceState)] = []
        for g in groups.indices where groups[g].result == nil {
            for n in groups[g].next {
                let parent = groups[g].running[n.candidate.beam]
                let state = claimed.insert(ObjectIdentifier(parent.state)).inserted ? parent.state : parent.state.fork()
                let chain = parent.processors.accepting(n.candidate.token)
                requests.append(ExtensionRequest(state: state, tokens: [n.candidate.token],
                                                 lastQuery: query(keep: keep, group: g, processors: chain,
                                                                  history: parent.state.tokens + [n.candidate.token])))
                made.append((g, n.output, n.candidate.sum, chain, state))
            }
        }
        let results: [ExtensionResult]
        do {
            results = try model.extend(requests)
        } catch let BackendError.outOfMemory(backend, bytes) where requests.count > 1 {
            throw DecodingError.invalidParameter(
                name: "numBeams", message: "the \(requests.count) live beams of a \(numBeams)-wide search need more memory than backend \(backend) could allocate (\(bytes) bytes at once); use fewer beams")
        }
        for g in groups.indices where groups[g].result == nil { groups[g].running = [] }
        for (i, m) in made.enumerated() {
            groups[m.group].running.append(Beam(state: m.state, output: m.output, sum: m.sum, answer: results[i].last!,
                                                processors: m.processors))
        }
    }

    /// What a beam of group `group` asks the model for: full rows when a processor must see them, else enough
    /// top tokens that `keep` remain once its processors' bans and the earlier groups' tokens are set aside.
    private func query(keep: Int, group: Int, processors: LogitProcessorChain, history: [TokenID]) -> PositionQuery {
        if processors.needsFullRows { return .full }
        let lowered = diversityPenalty > 0 ? group * groupSize : 0
        return PositionQuery(topK: keep + lowered + (processors.isEmpty ? 0 : processors.bannedTokens(history: history).count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
