import Foundation
import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

@Suite struct SpeculativeDecoderTests {
    /// A decode with what `onToken` saw.
    struct Run {
        var result: DecodingResult
        var streamed: [TokenID] = []
        var streamedLogProbs: [Float] = []
        var statistics: SpeculationStatistics?
        var best: Hypothesis { result.best! }
    }

    /// Decodes, recording every `onToken` call (and, for the speculative decoder, its statistics);
    /// `stopAfter` interrupts after that many tokens.
    func run(_ decoder: any Decoder, _ request: DecodingRequest, _ model: any LanguageModel,
             stopAfter: Int? = nil) throws -> Run {
        var streamed: [TokenID] = [], logProbs: [Float] = []
        var request = request
        request.onToken = { streamed.append($0); logProbs.append($1); return stopAfter.map { streamed.count < $0 } ?? true }
        var result: DecodingResult, statistics: SpeculationStatistics?
        if let speculative = decoder as? SpeculativeDecoder {
            (result, statistics) = try speculative.decodeWithStatistics(request, model: model)
        } else {
            result = try decoder.decode(request, model: model)
        }
        return Run(result: result, streamed: streamed, streamedLogProbs: logProbs, statistics: statistics)
    }

    /// Speculative output against greedy's: tokens, log-probs (bitwise), finish reason, prompt log-probs and
    /// the `onToken` calls. Returns the speculative run's statistics.
    @discardableResult
    func expectGreedy(_ request: DecodingRequest, model: any LanguageModel, decoder: SpeculativeDecoder,
                      stopAfter: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> SpeculationStatistics {
        let greedy = try run(GreedyDecoder(), request, model, stopAfter: stopAfter)
        let speculative = try run(decoder, request, model, stopAfter: stopAfter)
        #expect(speculative.best.tokens == greedy.best.tokens, sourceLocation: sourceLocation)
        #expect(speculative.best.tokenLogProbs.map(\.bitPattern) == greedy.best.tokenLogProbs.map(\.bitPattern),
                sourceLocation: sourceLocation)
        #expect(speculative.best.finishReason == greedy.best.finishReason, sourceLocation: sourceLocation)
        #expect(speculative.result.promptLogProbs == greedy.result.promptLogProbs, sourceLocation: sourceLocation)
        #expect(speculative.streamed == greedy.streamed, sourceLocation: sourceLocation)
        #expect(speculative.streamedLogProbs.map(\.bitPattern) == greedy.streamedLogProbs.map(\.bitPattern),
                sourceLocation: sourceLocation)
        return speculative.statistics!
    }

    /// A prompt that repeats a pattern (so prompt lookup finds matches) or a random one.
    static func prompt(seed: Int, vocabularySize: Int, copyHeavy: Bool, length: Int = 24) -> [TokenID] {
        var random = SplitMix64(seed: UInt64(seed) &* 7919)
        let letters = vocabularySize - 1      // never the end token, whichever model
        if copyHeavy {
            let pattern = (0..<(3 + seed % 4)).map { _ in TokenID(random.next() % UInt64(letters)) }
            return (0..<length).map { pattern[$0 % pattern.count] }
        }
        return (0..<length).map { _ in TokenID(random.next() % UInt64(letters)) }
    }

    // MARK: Bitwise equality with greedy

    @Test(arguments: 0..<24)
    func equalsGreedyOnRandomModels(seed: Int) throws {
        for vocabularySize in [5, 12] {
            let model = RandomLanguageModel(seed: UInt64(seed), vocabularySize: vocabularySize, contextLength: 96)
            for copyHeavy in [true, false] {
                let prompt = Self.prompt(seed: seed, vocabularySize: vocabularySize, copyHeavy: copyHeavy)
                for (maxNew, stopOnEnd) in [(1, true), (2, false), (9, true), (30, false)] {
                    for k in [1, 3, 8] {
                        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: maxNew, stopOnEndToken: stopOnEnd),
                                                      returnPromptLogProbs: seed % 2 == 0)
                        for schedule in DraftSchedule.allCases {
                            try expectGreedy(request, model: model,
                                             decoder: try SpeculativeDecoder(numDraftTokens: k, draftSchedule: schedule))
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: 0..<12)
    func equalsGreedyOnPrefixHashModels(seed: Int) throws {
        // Quantised logits make equal maxima common: the lower id must win, as in greedy.
        for levels in [nil, 3] as [Int?] {
            let model = PrefixHashLanguageModel(vocabularySize: 20, contextLength: 128, seed: UInt64(seed), logitLevels: levels)
            for copyHeavy in [true, false] {
                let prompt = Self.prompt(seed: seed, vocabularySize: 20, copyHeavy: copyHeavy).map { $0 + 1 }
                let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 40))
                try expectGreedy(request, model: model, decoder: try SpeculativeDecoder(numDraftTokens: 5, maxNgram: 2))
            }
        }
    }

    @Test(arguments: 0..<16)
    func equalsGreedyOnACopyingModelWithAndWithoutPrefixForks(seed: Int) throws {
        for prefixForks in [true, false] {
            let model = CopyingLanguageModel(seed: UInt64(seed), vocabularySize: 9, prefixForks: prefixForks)
            let prompt = Self.prompt(seed: seed, vocabularySize: 9, copyHeavy: seed % 4 != 3)
            let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 48))
            try expectGreedy(request, model: model, decoder: try SpeculativeDecoder(numDraftTokens: 6))
        }
    }

    @Test(arguments: 0..<12)
    func stopStringsEndWhereGreedyEnds(seed: Int) throws {
        let model = CopyingLanguageModel(seed: UInt64(seed), vocabularySize: 8)
        let prompt = Self.prompt(seed: seed, vocabularySize: 8, copyHeavy: true)
        let stop = StopConditions(maxNewTokens: 30, stopOnEndToken: false)
        let free = try GreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stop), model: model).best!
        // Two letters from the middle of greedy's text: a stop string that spans a token boundary.
        let text = Array(model.vocabulary.text(of: free.tokens))
        try #require(text.count >= 12)
        var withStop = stop
        withStop.stopStrings = [String(text[(5 + seed % 5)...(6 + seed % 5)])]
        let request = DecodingRequest(prompt: prompt, stop: withStop)
        #expect(try GreedyDecoder().decode(request, model: model).best!.finishReason == .stopString)
        try expectGreedy(request, model: model, decoder: try SpeculativeDecoder(numDraftTokens: 8))
    }

    @Test func endTokensEndWhereGreedyEnds() throws {
        var endings = 0
        for seed in 0..<30 {
            let model = CopyingLanguageModel(seed: UInt64(seed), vocabularySize: 6)
            let prompt = Self.prompt(seed: seed, vocabularySize: 6, copyHeavy: true)
            // A letter of the prompt as an extra end token: prompt lookup drafts it, the decoder must cut there.
            let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 25, extraEndTokens: [prompt[seed % 3]]))
            try expectGreedy(request, model: model, decoder: try SpeculativeDecoder(numDraftTokens: 8))
            if try GreedyDecoder().decode(request, model: model).best!.finishReason == .endToken { endings += 1 }
        }
        #expect(endings >= 10, "too few greedy outputs end on an end token to test it (\(endings) of 30)")
    }

    @Test(arguments: 0..<12)
    func processorsSteerAsUnderGreedy(seed: Int) throws {
        let model = CopyingLanguageModel(seed: UInt64(seed), vocabularySize: 10)
        let prompt = Self.prompt(seed: seed, vocabularySize: 10, copyHeavy: true)
        let stop = StopConditions(maxNewTokens: 30, stopOnEndToken: false)
        let chains: [[any LogitProcessor]] = [
            [try BadWordsProcessor(sequences: [[prompt[1]], [prompt[2], prompt[3]]])],
            [try RepetitionPenaltyProcessor(penalty: 1.5)],
            [try RepetitionPenaltyProcessor(penalty: 1.3), try BadWordsProcessor(sequences: [[prompt[0], prompt[1]]])],
        ]
        for processors in chains {
            let request = DecodingRequest(prompt: prompt, stop: stop, processors: processors)
            let stats = try expectGreedy(request, model: model, decoder: try SpeculativeDecoder(numDraftTokens: 4))
            #expect(stats.drafted > 0)
        }
        // The ban matters: greedy without it takes the banned token on at least one seed (checked across seeds
        // by `bannedTokenWouldBeChosen`), so the equality above is not vacuous.
    }

    @Test func bannedTokenWouldBeChosen() throws {
        var steered = 0
        for seed in 0..<12 {
            let model = CopyingLanguageModel(seed: UInt64(seed), vocabularySize: 10)
            let prompt = Self.prompt(seed: seed, vocabularySize: 10, copyHeavy: true)
            let plain = try GreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 30)), model: model)
            if plain.best!.tokens.contains(prompt[1]) { steered += 1 }
        }
        #expect(steered >= 6)
    }

    @Test(arguments: [1, 2, 3, 7])
    func interruptionsStopWhereGreedyStops(after count: Int) throws {
        let model = CopyingLanguageModel(seed: 3, vocabularySize: 8)
        let prompt = Self.prompt(seed: 3, vocabularySize: 8, copyHeavy: true)
        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 20, stopOnEndToken: false))
        try expectGreedy(request, model: model, decoder: try SpeculativeDecoder(numDraftTokens: 8), stopAfter: count)
        var polls = 0
        var polled = request
        polled.shouldStop = { polls += 1; return polls > count }
        let greedy = try GreedyDecoder().decode(polled, model: model).best!
        polls = 0
        let speculative = try SpeculativeDecoder(numDraftTokens: 8).decode(polled, model: model).best!
        #expect(speculative == greedy)
        #expect(speculative.finishReason == .interrupted)
    }

    @Test func continuesFromAPrefixState() throws {
        let model = CopyingLanguageModel(seed: 5, vocabularySize: 8)
        let prompt = Self.prompt(seed: 5, vocabularySize: 8, copyHeavy: true)
        let prefix = model.makeState()
        _ = try model.extend([ExtensionRequest(state: prefix, tokens: Array(prompt.prefix(10)), lastQuery: nil)])
        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 20), prefixState: prefix)
        try expectGreedy(request, model: model, decoder: try SpeculativeDecoder())
        #expect(prefix.count == 10)
    }

    // MARK: What speculation saves

    /// The heuristic schedule: +2 after a call that kept every draft, −1 after one that did not, within
    /// 1...limit; a call without drafts changes nothing. Constant always drafts the limit.
    @Test func draftSchedulesFollowTheirRules() {
        let h = DraftSchedule.heuristic
        #expect(h.next(4, drafted: 4, kept: 4, limit: 8) == 6)
        #expect(h.next(7, drafted: 7, kept: 7, limit: 8) == 8)
        #expect(h.next(4, drafted: 4, kept: 2, limit: 8) == 3)
        #expect(h.next(1, drafted: 1, kept: 0, limit: 8) == 1)
        #expect(h.next(3, drafted: 0, kept: 0, limit: 8) == 3)
        // Drafts cut short by the output's end still count as all kept when every one was.
        #expect(h.next(5, drafted: 2, kept: 2, limit: 8) == 7)
        #expect(DraftSchedule.constant.next(3, drafted: 3, kept: 0, limit: 8) == 8)
    }

    /// On random prompts most drafts fail: the heuristic schedule shortens them, so it verifies fewer rejected
    /// tokens than the constant one for the same output.
    @Test func theHeuristicScheduleWastesLessVerificationOnBadGuesses() throws {
        var wasted: [DraftSchedule: Int] = [:]
        for seed in 0..<12 {
            let model = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 12, contextLength: 96)
            let request = DecodingRequest(prompt: Self.prompt(seed: seed, vocabularySize: 12, copyHeavy: false),
                                          stop: StopConditions(maxNewTokens: 30, stopOnEndToken: false))
            for schedule in DraftSchedule.allCases {
                let stats = try SpeculativeDecoder(numDraftTokens: 8, draftSchedule: schedule)
                    .decodeWithStatistics(request, model: model).statistics
                wasted[schedule, default: 0] += stats.drafted - stats.accepted
            }
        }
        #expect(wasted[.heuristic]! < wasted[.constant]!, "rejected drafts: \(wasted)")
    }

    @Test func copyHeavyPromptsKeepDraftsAndSaveCalls() throws {
        var drafted = 0, accepted = 0, greedyCalls = 0, speculativeCalls = 0
        for seed in 0..<20 {
            let model = CopyingLanguageModel(seed: UInt64(seed), vocabularySize: 9)
            let request = DecodingRequest(prompt: Self.prompt(seed: seed, vocabularySize: 9, copyHeavy: true),
                                          stop: StopConditions(maxNewTokens: 40, stopOnEndToken: false))
            var calls = model.extendCalls
            let greedy = try GreedyDecoder().decode(request, model: model)
            greedyCalls += model.extendCalls - calls
            calls = model.extendCalls
            let (result, stats) = try SpeculativeDecoder(numDraftTokens: 8).decodeWithStatistics(request, model: model)
            speculativeCalls += model.extendCalls - calls
            #expect(stats.targetCalls == model.extendCalls - calls)
            #expect(result.best == greedy.best)
            // Prefix forks drop the rejected drafts: the work is greedy's plus the rejected drafts, nothing
            // recomputed.
            #expect(result.processedTokens == greedy.processedTokens + stats.drafted - stats.accepted)
            drafted += stats.drafted
            accepted += stats.accepted
        }
        let rate = Double(accepted) / Double(drafted)
        print("speculative (copying toy model, 20 seeds, 40 tokens, k = 8): acceptance \(accepted)/\(drafted) = \(rate), target calls \(speculativeCalls) vs greedy \(greedyCalls)")
        #expect(accepted > 0)
        #expect(rate > 0.2)
        #expect(speculativeCalls * 2 < greedyCalls)
    }

    @Test func withoutPrefixForksTheKeptDraftsAreFedAgainInTheSameCalls() throws {
        let request = DecodingRequest(prompt: Self.prompt(seed: 2, vocabularySize: 9, copyHeavy: true),
                                      stop: StopConditions(maxNewTokens: 40, stopOnEndToken: false))
        let forking = CopyingLanguageModel(seed: 2, vocabularySize: 9, prefixForks: true)
        let plain = CopyingLanguageModel(seed: 2, vocabularySize: 9, prefixForks: false)
        let (a, statsA) = try SpeculativeDecoder().decodeWithStatistics(request, model: forking)
        let (b, statsB) = try SpeculativeDecoder().decodeWithStatistics(request, model: plain)
        #expect(a.best == b.best)
        #expect(statsA == statsB)
        #expect(forking.extendCalls == plain.extendCalls)
        #expect(b.processedTokens > a.processedTokens)
    }

    @Test func randomPromptsOnARandomModelCostNoMoreCallsThanGreedy() throws {
        let model = RandomLanguageModel(seed: 4, vocabularySize: 12, contextLength: 96)
        let request = DecodingRequest(prompt: Self.prompt(seed: 4, vocabularySize: 12, copyHeavy: false),
                                      stop: StopConditions(maxNewTokens: 30, stopOnEndToken: false))
        _ = try GreedyDecoder().decode(request, model: model)
        let greedyCalls = model.extensionLog.count
        let stats = try SpeculativeDecoder().decodeWithStatistics(request, model: model).statistics
        #expect(model.extensionLog.count - greedyCalls == stats.targetCalls)
        #expect(stats.targetCalls <= greedyCalls)
        // One request per call, every drafted position asked only for its argmax.
        #expect(model.extensionLog[greedyCalls...].allSatisfy { $0.count == 1 })
        // Asked only for argmaxes, after the last token fed again (none when no draft was rejected) and each draft.
        #expect(model.extensionLog[(greedyCalls + 1)...].allSatisfy {
            $0[0].queries.allSatisfy { $0 == nil || $0 == .argmax } && $0[0].queries.last! == .argmax
        })
    }

    // MARK: Draft models

    @Test(arguments: 0..<8)
    func aDraftModelNeverChangesTheOutput(seed: Int) throws {
        let target = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 8, contextLength: 96)
        let draft = RandomLanguageModel(seed: UInt64(seed) + 100, vocabularySize: 8, contextLength: 96)
        for copyHeavy in [true, false] {
            let request = DecodingRequest(prompt: Self.prompt(seed: seed, vocabularySize: 8, copyHeavy: copyHeavy),
                                          stop: StopConditions(maxNewTokens: 25))
            try expectGreedy(request, model: target,
                             decoder: try SpeculativeDecoder(draft: DraftModelSource(model: draft), numDraftTokens: 4))
        }
    }

    @Test func aDraftModelThatAgreesIsAlwaysKept() throws {
        // The same function as the target: every draft is kept, so each call yields numDraftTokens + 1 tokens.
        let target = CopyingLanguageModel(seed: 11, vocabularySize: 8)
        let draft = CopyingLanguageModel(seed: 11, vocabularySize: 8)
        let request = DecodingRequest(prompt: Self.prompt(seed: 1, vocabularySize: 8, copyHeavy: false),
                                      stop: StopConditions(maxNewTokens: 21, stopOnEndToken: false))
        let stats = try expectGreedy(request, model: target,
                                     decoder: try SpeculativeDecoder(draft: DraftModelSource(model: draft), numDraftTokens: 4))
        #expect(stats.drafted > 0 && stats.accepted == stats.drafted)
        #expect(stats.targetCalls == 1 + 4)          // the prompt, then 20 tokens in calls of 5
        // The draft model's cache follows the decode: each token fed once, so its work is at most the prompt
        // and the output (recomputing the kept drafts would add 3 per step).
        #expect(draft.processedTokenCount <= 24 + 21)
    }

    /// The argmax chain of `model` after `context`, read from its rows.
    func argmaxChain(_ model: CopyingLanguageModel, after context: [TokenID], count: Int) -> [TokenID] {
        var context = context, chain: [TokenID] = []
        for _ in 0..<count {
            let row = model.logProbs(after: context)
            let t = TokenID(row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!)
            chain.append(t)
            context.append(t)
        }
        return chain
    }

    @Test(arguments: [true, false])
    func aDraftModelProposesItsGreedyContinuationFeedingOnlyNewTokens(prefixForks: Bool) throws {
        let model = CopyingLanguageModel(seed: 9, vocabularySize: 8, prefixForks: prefixForks)
        var source = DraftModelSource(model: model)
        let context = Self.prompt(seed: 9, vocabularySize: 8, copyHeavy: true, length: 12)
        let first = try source.propose(after: context, count: 4)
        #expect(first == argmaxChain(model, after: context, count: 4))
        #expect(model.processedTokenCount == 12 + 3)          // the context, then all but the last draft
        // Two drafts kept and a token of the target's own: only what is new is fed (with prefix forks), or
        // the kept drafts again from the clean state before them (without).
        let next = context + first.prefix(2) + [(first[2] + 1) % 7]
        let before = model.processedTokenCount
        let second = try source.propose(after: next, count: 3)
        #expect(second == argmaxChain(model, after: next, count: 3))
        #expect(model.processedTokenCount - before == (prefixForks ? 1 : 3) + 2)
    }

    @Test func samplingWithADraftModelIsReproducible() throws {
        let target = CopyingLanguageModel(seed: 12, vocabularySize: 8)
        let draft = CopyingLanguageModel(seed: 12, vocabularySize: 8, copyBoost: 2)
        let request = DecodingRequest(prompt: Self.prompt(seed: 12, vocabularySize: 8, copyHeavy: true),
                                      stop: StopConditions(maxNewTokens: 20, stopOnEndToken: false))
        let decoder = try SpeculativeDecoder(draft: DraftModelSource(model: draft), numDraftTokens: 4, temperature: 0.7, seed: 1)
        let (a, stats) = try decoder.decodeWithStatistics(request, model: target)
        let b = try decoder.decode(request, model: target)
        #expect(a.best == b.best)
        #expect(stats.accepted > 0 && stats.accepted < stats.drafted)
        var context = request.prompt
        for (t, lp) in zip(a.best!.tokens, a.best!.tokenLogProbs) {
            #expect(lp == target.logProbs(after: context)[Int(t)])
            context.append(t)
        }
    }

    @Test func draftModelWithoutPrefixForksStillMatchesGreedy() throws {
        let target = CopyingLanguageModel(seed: 6, vocabularySize: 8)
        let draft = CopyingLanguageModel(seed: 7, vocabularySize: 8, prefixForks: false)
        let request = DecodingRequest(prompt: Self.prompt(seed: 6, vocabularySize: 8, copyHeavy: true),
                                      stop: StopConditions(maxNewTokens: 30))
        let stats = try expectGreedy(request, model: target,
                                     decoder: try SpeculativeDecoder(draft: DraftModelSource(model: draft), numDraftTokens: 3))
        #expect(stats.accepted > 0)
    }

    @Test func aDraftModelWithAnotherVocabularyIsRefused() throws {
        let target = RandomLanguageModel(seed: 1, vocabularySize: 8)
        let request = DecodingRequest(prompt: [1, 2, 3], stop: StopConditions(maxNewTokens: 4))
        let smaller = try SpeculativeDecoder(draft: DraftModelSource(model: RandomLanguageModel(seed: 1, vocabularySize: 6)))
        #expect(throws: DecodingError.invalidParameter(
            name: "draft", message: "the draft model's vocabulary has 6 tokens, the target's 8: they must be the same vocabulary")) {
            try smaller.decode(request, model: target)
        }
        // Same size, different tokens: RandomLanguageModel's token 0 is "a", PrefixHashLanguageModel's is BOS.
        let other = try SpeculativeDecoder(draft: DraftModelSource(model: PrefixHashLanguageModel(vocabularySize: 8)))
        do {
            _ = try other.decode(request, model: target)
            Issue.record("a draft model with other tokens was accepted")
        } catch let DecodingError.invalidParameter(name, message) {
            #expect(name == "draft")
            #expect(message.hasPrefix("token 0 is empty (a control token) in the draft model's vocabulary but \"a\""))
        }
        #expect(target.processedTokenCount == 0)
    }

    // MARK: Prompt lookup

    @Test func promptLookupProposesWhatFollowedTheMostRecentMatch() {
        func lookup(_ c: [TokenID], _ k: Int, max: Int = 3, min: Int = 1) -> [TokenID] {
            PromptLookupDraft.lookup(in: c, count: k, maxNgram: max, minNgram: min)
        }
        // [1, 2] occurs at 0 and 4: the most recent is taken, and its continuation read.
        #expect(lookup([1, 2, 3, 9, 1, 2, 7, 5, 1, 2], 3) == [7, 5, 1])
        // Longer suffixes first: [5, 1, 2] recurs only at 0, before the more recent [1, 2] at 4.
        #expect(lookup([5, 1, 2, 8, 1, 2, 6, 5, 1, 2], 2) == [8, 1])
        // The copy runs on into its own output: a period-3 pattern extrapolates.
        #expect(lookup([1, 2, 3, 1, 2, 3], 7) == [1, 2, 3, 1, 2, 3, 1])
        // No suffix of length ≥ minNgram recurs: no proposal.
        #expect(lookup([1, 2, 3, 4], 5).isEmpty)
        #expect(lookup([1, 2, 3, 1], 5, min: 2).isEmpty)
        #expect(lookup([4], 5).isEmpty)
        // Only the last token matched: at most maxUnigramDraft tokens (two- and three-token matches are not capped).
        #expect(PromptLookupDraft.lookup(in: [1, 2, 3, 4, 5, 9, 1], count: 4, maxNgram: 3, minNgram: 1, maxUnigramDraft: 1) == [2])
        #expect(PromptLookupDraft.lookup(in: [1, 2, 3, 4, 5, 9, 1], count: 4, maxNgram: 3, minNgram: 1, maxUnigramDraft: 3) == [2, 3, 4])
        #expect(PromptLookupDraft.lookup(in: [1, 2, 3, 4, 5, 9, 1, 2], count: 4, maxNgram: 3, minNgram: 1, maxUnigramDraft: 1) == [3, 4, 5, 9])
        let draft = try! PromptLookupDraft()
        #expect(draft.maxUnigramDraft == 1 && draft.propose(after: [7, 8, 9, 7], count: 3) == [8])
    }

    @Test func badParametersAreRefused() {
        #expect(throws: DecodingError.self) { try SpeculativeDecoder(numDraftTokens: 0) }
        #expect(throws: DecodingError.self) { try SpeculativeDecoder(maxNgram: 1, minNgram: 2) }
        #expect(throws: DecodingError.self) { try SpeculativeDecoder(minNgram: 0) }
        #expect(throws: DecodingError.self) { try SpeculativeDecoder(maxUnigramDraft: 0) }
        #expect(throws: DecodingError.self) { try SpeculativeDecoder(temperature: -1) }
    }

    @Test func buildsFromAConfiguration() throws {
        let decoder = try SpeculativeDecoder(configuration: DecoderConfiguration(
            name: "speculative", parameters: ["numDraftTokens": 5, "maxNgram": 4, "minNgram": 2, "maxUnigramDraft": 3]))
        #expect(decoder.numDraftTokens == 5 && decoder.temperature == 0)
        #expect((decoder.draft as? PromptLookupDraft)?.maxNgram == 4)
        #expect((decoder.draft as? PromptLookupDraft)?.maxUnigramDraft == 3)
        #expect(decoder.capabilities.contains(.streamsTokens))
    }

    /// Registered as the standard decoders are (DecoderRegistry.swift is the lead's to change), with the
    /// parameters of Examples/configs/speculative.yaml.
    @Test func registersAndBuildsFromTheExampleParameters() throws {
        var registry = DecoderRegistry.standard
        registry.register(name: SpeculativeDecoder.registryName, summary: "speculative",
                          parameters: SpeculativeDecoder.parameters, capabilities: SpeculativeDecoder.capabilities,
                          factory: SpeculativeDecoder.init(configuration:))
        let decoder = try registry.make(DecoderConfiguration(name: "speculative", parameters: [
            "draft": "prompt-lookup", "numDraftTokens": 8, "maxNgram": 3, "minNgram": 1, "temperature": 0, "seed": 0,
        ]))
        let model = RandomLanguageModel(seed: 3, vocabularySize: 6, contextLength: 128)
        let request = DecodingRequest(prompt: [0, 1, 0, 1], stop: StopConditions(maxNewTokens: 12))
        #expect(try decoder.decode(request, model: model).best == (try GreedyDecoder().decode(request, model: model).best))
        #expect(throws: ConfigurationError.self) {
            try registry.make(DecoderConfiguration(name: "speculative", parameters: ["draft": "draft-model"]))
        }
    }

    // MARK: Sampling keeps the target distribution

    /// Over 4,000 seeds the first two tokens of a 4-token toy model, drafted by prompt lookup (so each second
    /// token goes through the acceptance rule), are compared with their exact distribution
    /// `p(y1) p(y2 | y1)` at temperature 0.8 by a chi-square test on the 16 cells (15 degrees of freedom):
    /// the critical value at significance 0.001 is 37.70, so a correct decoder fails one run in a thousand,
    /// and the seeds are fixed, so it passes or fails the same way every run. A rule that always kept the
    /// draft is shown to fail the same test.
    @Test func samplingKeepsTheTargetDistribution() throws {
        let model = RandomLanguageModel(seed: 17, vocabularySize: 4, spread: 1.5)
        let prompt: [TokenID] = [0, 1, 2, 3, 0, 2, 1, 3, 2, 0, 1]
        let temperature = 0.8
        // Three tokens, so that a draft is made for the second (the last token is never drafted: nothing
        // would verify it).
        let stop = StopConditions(maxNewTokens: 3, stopOnEndToken: false)
        func distribution(after prefix: [TokenID]) -> [Double] {
            let w = model.logProbs(after: prefix).map { exp(Double($0) / temperature) }
            let total = w.reduce(0, +)
            return w.map { $0 / total }
        }
        var expected = [Double](repeating: 0, count: 16)
        let first = distribution(after: prompt)
        for a in 0..<4 {
            let second = distribution(after: prompt + [TokenID(a)])
            for b in 0..<4 { expected[4 * a + b] = first[a] * second[b] }
        }
        let n = 4000
        var observed = [Int](repeating: 0, count: 16), alwaysKept = [Int](repeating: 0, count: 16)
        var drafted = 0, accepted = 0
        var reference = SeededRandomNumberGenerator(seed: 99)
        func draw(_ p: [Double]) -> Int {
            var u = reference.nextUnitInterval()
            for (i, x) in p.enumerated() { u -= x; if u < 0 { return i } }
            return p.count - 1
        }
        for seed in 0..<n {
            let decoder = try SpeculativeDecoder(numDraftTokens: 4, temperature: temperature, seed: UInt64(seed))
            let (result, stats) = try decoder.decodeWithStatistics(DecodingRequest(prompt: prompt, stop: stop), model: model)
            let t = result.best!.tokens.map(Int.init)
            try #require(t.count == 3)
            observed[4 * t[0] + t[1]] += 1
            drafted += stats.drafted
            accepted += stats.accepted
            // The broken rule: the first token drawn right, the second always the prompt-lookup draft.
            let y1 = draw(first)
            let guess = PromptLookupDraft.lookup(in: prompt + [TokenID(y1)], count: 1, maxNgram: 3, minNgram: 1)
            alwaysKept[4 * y1 + Int(guess[0])] += 1
        }
        func chiSquare(_ counts: [Int]) -> Double {
            zip(counts, expected).reduce(0) { $0 + pow(Double($1.0) - Double(n) * $1.1, 2) / (Double(n) * $1.1) }
        }
        print("speculative sampling: chi-square \(chiSquare(observed)) (critical 37.70 at 0.001, 15 df); always-keep rule \(chiSquare(alwaysKept)); acceptance \(accepted)/\(drafted)")
        #expect(expected.allSatisfy { Double(n) * $0 >= 5 }, "a cell is too rare for the chi-square approximation")
        #expect(drafted == n)                       // one draft per decode: the second token's
        #expect(accepted > n / 10 && accepted < n * 9 / 10, "the rule must both keep and reject drafts")
        #expect(chiSquare(observed) < 37.70)
        #expect(chiSquare(alwaysKept) > 37.70)
    }

    @Test func samplingIsReproducibleAndUsesTheModelsLogProbs() throws {
        let model = CopyingLanguageModel(seed: 8, vocabularySize: 8)
        let request = DecodingRequest(prompt: Self.prompt(seed: 8, vocabularySize: 8, copyHeavy: true),
                                      stop: StopConditions(maxNewTokens: 20, stopOnEndToken: false),
                                      processors: [try RepetitionPenaltyProcessor(penalty: 1.2)])
        let a = try SpeculativeDecoder(temperature: 1, seed: 3).decode(request, model: model).best!
        let b = try SpeculativeDecoder(temperature: 1, seed: 3).decode(request, model: model).best!
        #expect(a == b)
        var context = request.prompt
        for (t, lp) in zip(a.tokens, a.tokenLogProbs) {
            #expect(lp == model.logProbs(after: context)[Int(t)])
            context.append(t)
        }
        let others = try (4..<9).map { try SpeculativeDecoder(temperature: 1, seed: $0).decode(request, model: model).best!.tokens }
        #expect(others.contains { $0 != a.tokens })
    }
}
