import SequiturCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lossless speculative decoding (Leviathan, Kalman & Matias 2023; Chen et al. 2023): a cheap `DraftSource`
/// guesses the next `numDraftTokens` tokens, and ONE target `extend` feeds them all, asking the target's answer
/// after each. The longest prefix of the guess that the target would have chosen itself is kept, plus the
/// target's own token where the guess first goes wrong (or after the last guess), so each call yields between
/// one and `numDraftTokens + 1` tokens.
///
/// **Greedy (`temperature: 0`) is bitwise `GreedyDecoder`.** Every model answer used is the one greedy would
/// get for the same prefix: the model's results are batch-invariant, so the row after a token is bitwise the
/// same whether it was fed alone or with the guesses after it. Choices are made exactly as greedy makes them
/// (the argmax, after the processors on raw logits when there are any, ties to the lower id), the processors
/// accept the tokens in order, and `GrowingOutput` applies the stop conditions token by token, so tokens,
/// log-probs, finish reasons and `onToken` calls are greedy's.
///
/// **Sampling (`temperature > 0`)** uses the speculative sampling rule: a drafted token `x` is kept with
/// probability `min(1, p(x) / q(x))`, else a token is drawn from `norm(max(0, p − q))`, which leaves the
/// output distributed exactly as sampling from `p` (the target's row after the processors, at `temperature`).
/// Both sources propose deterministically (prompt lookup copies, a draft model takes its argmax), so `q` is a
/// point mass on the drafted token: keep it with probability `p(x)`, else draw from `p` without it.
///
/// **Rolling back.** The verification appends every drafted token to the state. When the target's states are
/// `PrefixForkableState`s the rejected ones are dropped by forking the accepted prefix (no recomputation: the
/// forward work is greedy's plus the rejected drafts). Otherwise the decoder verifies on a fork and continues
/// from the state before it, feeding the accepted tokens again at the front of the next verification: still one
/// call per step, at the cost of recomputing them.
public struct SpeculativeDecoder: Decoder {
    public static let registryName = "speculative"
    static let summary = "greedy or sampling, drafting tokens (prompt lookup) that one target call verifies; output as without drafts"
    public static let capabilities: DecoderCapabilities = .streamsTokens
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("draft", .choice(["prompt-lookup"]), default: "prompt-lookup",
                      help: "where drafts come from: prompt-lookup (n-gram matches in the prompt and output)"),
        ParameterSpec("numDraftTokens", .integer, default: 8,
                      help: "tokens drafted and verified per target call (≥ 1); with draftSchedule heuristic, the most"),
        ParameterSpec("draftSchedule", .choice(DraftSchedule.allCases.map(\.rawValue)), default: .string(DraftSchedule.heuristic.rawValue),
                      help: "constant: always numDraftTokens; heuristic: +2 after a call that kept every draft, −1 after one that did not (transformers' num_assistant_tokens_schedule), at most numDraftTokens"),
        ParameterSpec("maxNgram", .integer, default: 3, help: "prompt lookup: the longest suffix looked up (≥ minNgram)"),
        ParameterSpec("minNgram", .integer, default: 1, help: "prompt lookup: the shortest suffix looked up (≥ 1)"),
        ParameterSpec("maxUnigramDraft", .integer, default: 1,
                      help: "prompt lookup: the most tokens drafted when only the last token matched (≥ 1; weak evidence, and each draft costs verification)"),
        ParameterSpec("temperature", .number, default: 0.0,
                      help: "0: greedy, bitwise GreedyDecoder; > 0: speculative sampling at this temperature"),
        ParameterSpec("seed", .integer, default: 0, help: "seed of the random generator (sampling only)"),
        ParameterSpec("draftModel", .string, default: "",
                      help: "a GGUF with the target's vocabulary to draft with instead of prompt lookup (loaded by ModelRuntime, --draft-model)"),
    ]

    public let draft: any DraftSource
    public let numDraftTokens: Int
    public let draftSchedule: DraftSchedule
    public let temperature: Double
    public let seed: UInt64

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init(draft: any DraftSource, numDraftTokens: Int = 8, draftSchedule: DraftSchedule = .heuristic,
                temperature: Double = 0, seed: UInt64 = 0) throws {
        guard numDraftTokens >= 1 else {
            throw DecodingError.invalidParameter(name: "numDraftTokens", message: "must be at least 1, got \(numDraftTokens)")
        }
        guard temperature >= 0, temperature.isFinite else {
            throw DecodingError.invalidParameter(name: "temperature", message: "must be ≥ 0 (0 is greedy), got \(temperature)")
        }
        self.draft = draft
        self.numDraftTokens = numDraftTokens
        self.draftSchedule = draftSchedule
        self.temperature = temperature
        self.seed = seed
    }

    /// Prompt lookup drafting.
    public init(numDraftTokens: Int = 8, draftSchedule: DraftSchedule = .heuristic, maxNgram: Int = 3,
                minNgram: Int = 1, maxUnigramDraft: Int = 1, temperature: Double = 0, seed: UInt64 = 0) throws {
        try self.init(draft: try PromptLookupDraft(maxNgram: maxNgram, minNgram: minNgram, maxUnigramDraft: maxUnigramDraft),
                      numDraftTokens: numDraftTokens, draftSchedule: draftSchedule, temperature: temperature, seed: seed)
    }

    public init(configuration: DecoderConfiguration) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        // "prompt-lookup" is the only choice: a draft model needs a loaded model, built by `ModelRuntime`.
        _ = try c.string("draft")
        let draftModel = try c.string("draftModel")
        let schedule = DraftSchedule(rawValue: try c.string("draftSchedule"))!  // a checked choice
        guard draftModel.isEmpty else {
            try self.init(draft: UnloadedDraftModel(path: draftModel), numDraftTokens: try c.integer("numDraftTokens"),
                          draftSchedule: schedule, temperature: try c.number("temperature"),
                          seed: UInt64(bitPattern: Int64(try c.integer("seed"))))
            return
        }
        try self.init(numDraftTokens: try c.integer("numDraftTokens"), draftSchedule: schedule,
                      maxNgram: try c.integer("maxNgram"), minNgram: try c.integer("minNgram"),
                      maxUnigramDraft: try c.integer("maxUnigramDraft"), temperature: try c.number("temperature"), seed: UInt64(bitPattern: Int64(try c.integer("seed"))))
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        try decodeWithStatistics(request, model: model).result
    }

    /// `decode`, with how the speculation went (drafted and accepted tokens, target calls).
    public func decodeWithStatistics(_ request: DecodingRequest,
                                     model: any LanguageModel) throws -> (result: DecodingResult, statistics: SpeculationStatistics) {
        let plan = try DecodingPlan(request, model: model)
        try draft.validate(target: model)
        let startCount = model.processedTokenCount
        let query: PositionQuery = plan.needsFullRows || temperature > 0 ? .full : .argmax
        let prefill = try plan.prefill(model: model, lastQuery: query)
        var statistics = SpeculationStatistics()
        statistics.targetCalls = 1
        var source = draft
        var rng = SeededRandomNumberGenerator(seed: seed)
        var output = plan.emptyOutput()
        var processors = plan.startProcessors()
        // The prompt and the output so far: the processors' history and the drafts' context.
        var history = request.prompt
        // The last verification: `base` held the history then less `fedUnfed`, the kept tokens not fed yet;
        // `verified` is what it extended (`base` itself, or a fork of it when states cannot fork a prefix),
        // holding that history and `drafts`; `answers[j]` is the target's answer after it and `drafts[..<j]`.
        var base = prefill.state
        var verified = prefill.state
        var fedUnfed: [TokenID] = []
        var answers = [prefill.last]
        var drafts: [TokenID] = []
        var draftLength = numDraftTokens

        func result(_ reason: FinishReason) -> (result: DecodingResult, statistics: SpeculationStatistics) {
            statistics.tokens = output.tokens.count
            return (DecodingResult(hypotheses: [output.hypothesis(reason)], promptLogProbs: prefill.promptLogProbs,
                                   processedTokens: model.processedTokenCount - startCount), statistics)
        }

        while true {
            // Walk the answers, choosing as greedy (or sampling) would, while the choices agree with the drafts.
            var kept = 0
            while true {
                let drafted = kept < drafts.count ? drafts[kept] : nil
                let choice: TokenChoice
                do {
                    choice = try choose(answers[kept], drafted: drafted, plan: plan, history: history,
                                        processors: processors, rng: &rng)
                } catch let e as DecodingError where e == .everyTokenForbidden {
                    return result(.noAllowedToken)
                }
                let agrees = choice.token == drafted
                if agrees { statistics.accepted += 1 }
                processors.accept(choice.token)
                var finish = output.append(choice.token, logProb: choice.logProb, plan: plan,
                                           complete: processors.permitsFinish)
                if let onToken = request.onToken, !onToken(choice.token, choice.logProb), finish == nil {
                    finish = .interrupted
                }
                if finish == nil, request.shouldStop?() == true { finish = .interrupted }
                if let finish { return result(finish) }
                history.append(choice.token)
                guard agrees else { break }
                kept += 1
            }
            // The last token of `history` is the target's own and not fed yet: find a state holding what
            // comes before it, and the tokens still to feed after that state.
            let state: SequenceState
            var unfed = [history.last!]
            if kept == drafts.count {
                state = verified                                       // every draft kept, or none made
            } else if let forkable = verified as? PrefixForkableState {
                state = forkable.fork(keepingFirst: history.count - 1) // drop the rejected drafts
            } else {
                state = base                                           // from before the drafts: feed the kept ones again
                unfed = fedUnfed + drafts[..<kept] + unfed
            }

            // Draft at most what can still be used: the token after the last draft is the target's own, so
            // `remaining - 1` drafts fill the output; none from an end token on (it would finish the output,
            // and the target's answer before it decides that without feeding it).
            draftLength = draftSchedule.next(draftLength, drafted: drafts.count, kept: kept, limit: numDraftTokens)
            let remaining = plan.maxNewTokens - output.tokens.count
            let room = min(draftLength, remaining - 1)
            drafts = room > 0 ? try source.propose(after: history, count: room) : []
            drafts = Array(drafts.prefix(room).prefix { Int($0) >= 0 && Int($0) < plan.vocabulary.count })
            if let end = drafts.firstIndex(where: plan.endTokens.contains) { drafts.removeSubrange(end...) }
            statistics.drafted += drafts.count

            // One call: the unfed tokens and the drafts, asking after the last unfed token and after each draft.
            let fed = unfed + drafts
            var queries = [PositionQuery?](repeating: nil, count: fed.count)
            for i in (unfed.count - 1)..<fed.count { queries[i] = query }
            base = state
            fedUnfed = unfed
            verified = drafts.isEmpty || state is PrefixForkableState ? state : state.fork()
            let answered = try model.extend([ExtensionRequest(state: verified, tokens: fed, queries: queries)])[0]
            statistics.targetCalls += 1
            answers = answered.answers[(unfed.count - 1)...].map { $0! }
        }
    }
}

extension SpeculativeDecoder {
    /// The token the target takes at `answer`, with the model's own log-prob of it. Greedy: `GreedyDecoder`'s
    /// choice exactly (the argmax, after the processors on raw logits when there are any). Sampling: the
    /// speculative sampling rule for `drafted` (a point-mass guess), or a plain draw where nothing was drafted.
    func choose(_ answer: PositionLogProbs, drafted: TokenID?, plan: DecodingPlan, history: [TokenID],
                processors: LogitProcessorChain, rng: inout SeededRandomNumberGenerator) throws -> TokenChoice {
        if temperature == 0 && !plan.needsFullRows {
            return TokenChoice(token: answer.argmax, logProb: answer.argmaxLogProb)
        }
        let row = plan.needsFullRows
            ? plan.processed(plan.logits(of: answer), history: history, processors: processors) : answer.fullRow
        if temperature == 0 {
            guard let token = RowSelection.argmax(row) else { throw DecodingError.everyTokenForbidden }
            return TokenChoice(token: token, logProb: answer.fullRow[Int(token)])
        }
        guard let top = row.max(), top > -.infinity else { throw DecodingError.everyTokenForbidden }
        // p ∝ exp((row − top) / T): the target's distribution after the processors, at the temperature.
        var weights = row.map { $0 > -.infinity ? exp(Double($0 - top) / temperature) : 0 }
        var total = weights.reduce(0, +)
        if let drafted {
            // q = δ(drafted): keep it with probability min(1, p(x) / q(x)) = p(x) ...
            let kept = weights[Int(drafted)]
            if rng.nextUnitInterval() * total < kept {
                return TokenChoice(token: drafted, logProb: answer.fullRow[Int(drafted)])
            }
            // ... else draw from norm(max(0, p − q)): p without the drafted token. (Only reached when p(x) < 1,
            // so some other token has weight.)
            weights[Int(drafted)] = 0
            total -= kept
            if !(total > 0) { return TokenChoice(token: drafted, logProb: answer.fullRow[Int(drafted)]) }
        }
        var threshold = rng.nextUnitInterval() * total
        var last = 0
        for (i, w) in weights.enumerated() where w > 0 {
            threshold -= w
            last = i
            if threshold < 0 { break }
        }
        return TokenChoice(token: TokenID(last), logProb: answer.fullRow[last])
    }
}
