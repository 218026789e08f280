import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// Greedy written only with the public decoder kit, as a decoder outside the package would write it. With
/// `forksAhead` it extends a fork by the chosen token itself and hands the loop that continuation, the path
/// lookahead decoders take.
struct KitGreedyDecoder: Decoder {
    var forksAhead = false
    var name: String { "kit-greedy" }
    var capabilities: DecoderCapabilities { .streamsTokens }

    func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        let query = plan.query(topK: 1)
        return try plan.decodeTokenByToken(model: model, query: query) { answer, state in
            guard let best = plan.bestTokens(in: answer, history: state.tokens, count: 1).first else {
                throw DecodingError.everyTokenForbidden
            }
            guard forksAhead else { return TokenChoice(token: best.token, logProb: best.modelLogProb) }
            let fork = state.fork()
            let next = try model.extend([ExtensionRequest(state: fork, tokens: [best.token], lastQuery: query)])[0].last!
            return TokenChoice(token: best.token, logProb: best.modelLogProb, continuation: (fork, next))
        }
    }
}

/// Forbids every token: a processor no decoder can satisfy.
struct ForbidAll: LogitProcessor {
    func process(_ logProbs: inout [Float], history: [TokenID]) {
        for i in logProbs.indices { logProbs[i] = -.infinity }
    }
}

@Suite struct DecoderKitTests {
    let model = PrefixHashLanguageModel(vocabularySize: 30, seed: 11)
    let prompt: [TokenID] = [0, 4, 9, 2, 17]
    let stop = StopConditions(maxNewTokens: 10, stopOnEndToken: false)

    /// Decodes `make()` with greedy and with both kit decoders (each on a fresh request, so that callbacks
    /// count from zero) and expects the same result; the kit decoder that feeds the loop does the same work.
    func expectKitDecodersMatchGreedy(_ rule: Comment, _ make: () -> DecodingRequest) throws {
        let greedy = try GreedyDecoder().decode(make(), model: model)
        let kit = try KitGreedyDecoder().decode(make(), model: model)
        let forking = try KitGreedyDecoder(forksAhead: true).decode(make(), model: model)
        #expect(kit.hypotheses == greedy.hypotheses, rule)
        #expect(forking.hypotheses == greedy.hypotheses, rule)
        #expect(kit.processedTokens == greedy.processedTokens, rule)
        #expect(kit.promptLogProbs == greedy.promptLogProbs, rule)
    }

    @Test func plainRequestsAndPromptLogProbsMatchGreedy() throws {
        try expectKitDecodersMatchGreedy("plain") { DecodingRequest(prompt: prompt, stop: stop) }
        try expectKitDecodersMatchGreedy("prompt log-probs") {
            DecodingRequest(prompt: prompt, stop: stop, returnPromptLogProbs: true)
        }
        var withEnd = stop
        withEnd.stopOnEndToken = true
        withEnd.extraEndTokens = [greedyTokens()[3]]
        try expectKitDecodersMatchGreedy("end tokens") { DecodingRequest(prompt: prompt, stop: withEnd) }
    }

    @Test func logitProcessorsSteerTheKitAsTheyDoGreedy() throws {
        let banned = greedyTokens()[0]
        try expectKitDecodersMatchGreedy("ban") {
            DecodingRequest(prompt: prompt, stop: stop, processors: [BanToken(token: banned)])
        }
        let steered = try KitGreedyDecoder().decode(
            DecodingRequest(prompt: prompt, stop: stop, processors: [BanToken(token: banned)]), model: model)
        #expect(!steered.best!.tokens.contains(banned))
        // A kit decoder that throws everyTokenForbidden ends as the built-in one does: a finish reason, no tokens.
        for decoder: any Decoder in [GreedyDecoder(), KitGreedyDecoder()] {
            let result = try decoder.decode(DecodingRequest(prompt: prompt, stop: stop, processors: [ForbidAll()]), model: model)
            #expect(result.hypotheses.map(\.finishReason) == [.noAllowedToken] && result.best?.tokens == [], "\(decoder.name)")
        }
    }

    @Test func stopStringsEndTheKitWhereTheyEndGreedy() throws {
        let tokens = greedyTokens()
        var stopping = stop
        stopping.stopStrings = [model.vocabulary.text(of: Array(tokens[4...5]))]
        try expectKitDecodersMatchGreedy("stop string") { DecodingRequest(prompt: prompt, stop: stopping) }
        let stopped = try KitGreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stopping), model: model).best!
        #expect(stopped.finishReason == .stopString)
        #expect(model.vocabulary.text(of: stopped.tokens).hasSuffix(stopping.stopStrings[0]))
    }

    @Test func prefixStateIsForkedAndSavesTheSameWorkAsForGreedy() throws {
        let prefix = model.makeState()
        _ = try model.extend([ExtensionRequest(state: prefix, tokens: Array(prompt.prefix(3)), lastQuery: nil)])
        try expectKitDecodersMatchGreedy("prefixState") { DecodingRequest(prompt: prompt, stop: stop, prefixState: prefix) }
        let fresh = try KitGreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stop), model: model)
        let reused = try KitGreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stop, prefixState: prefix),
                                                   model: model)
        #expect(reused.hypotheses == fresh.hypotheses)
        #expect(reused.processedTokens == fresh.processedTokens - 3)
        #expect(prefix.count == 3, "the prefix is forked, never extended")
        #expect(throws: DecodingError.self) {
            try KitGreedyDecoder().decode(DecodingRequest(prompt: [0, 4], stop: stop, prefixState: prefix), model: model)
        }
    }

    @Test func onTokenStreamsEachTokenOnceAndStopsTheKitAsItStopsGreedy() throws {
        final class Calls { var tokens: [TokenID] = [] }
        func stoppingAfterThree(_ calls: Calls = Calls()) -> DecodingRequest {
            DecodingRequest(prompt: prompt, stop: stop, onToken: { token, _ in calls.tokens.append(token); return calls.tokens.count < 3 })
        }
        try expectKitDecodersMatchGreedy("onToken stopping") { stoppingAfterThree() }
        for forksAhead in [false, true] {
            let calls = Calls()
            let early = try KitGreedyDecoder(forksAhead: forksAhead).decode(stoppingAfterThree(calls), model: model).best!
            #expect(calls.tokens == early.tokens && early.tokens.count == 3 && early.finishReason == .interrupted)
            let all = Calls()
            let full = try KitGreedyDecoder(forksAhead: forksAhead).decode(
                DecodingRequest(prompt: prompt, stop: stop, onToken: { token, _ in all.tokens.append(token); return true }), model: model).best!
            #expect(all.tokens == full.tokens && full.tokens.count == 10)
        }
    }

    @Test func theLoopFeedsNothingAfterTheLastTokenAndNothingAChoiceAlreadyFed() throws {
        let request = DecodingRequest(prompt: prompt, stop: stop)
        let fed = try KitGreedyDecoder().decode(request, model: model)
        #expect(fed.processedTokens == prompt.count + 9)
        // The forking decoder extends a fork by every chosen token, the last one included.
        let forked = try KitGreedyDecoder(forksAhead: true).decode(request, model: model)
        #expect(forked.processedTokens == prompt.count + 10)
    }

    @Test func requestChecksAreThePlansForEveryDecoder() {
        let small = RandomLanguageModel(seed: 2, vocabularySize: 6, contextLength: 8)
        #expect(throws: LanguageModelError.tokenOutOfRange(token: 6, vocabularySize: 6)) {
            try DecodingPlan(DecodingRequest(prompt: [0, 6]), model: small)
        }
        #expect(throws: DecodingError.promptTooLong(promptLength: 2, maxNewTokens: 7, contextLength: 8)) {
            try KitGreedyDecoder().decode(DecodingRequest(prompt: [0, 1], stop: StopConditions(maxNewTokens: 7)), model: small)
        }
        #expect(small.processedTokenCount == 0)
    }

    @Test func stopStringMatcherFindsAStringSplitAcrossAppends() {
        var matcher = StopStringMatcher(stopStrings: [Array("Answer:".utf8)])
        let found = ["The An", "swer", ": 4", " and"].map { matcher.append(Array($0.utf8)) }
        #expect(found == [false, false, true, false], "found once, where it completes; only a new match counts")
    }

    /// Greedy's tokens for the plain request, to build stop strings and bans from.
    func greedyTokens() -> [TokenID] {
        (try? GreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stop), model: model).best?.tokens) ?? []
    }
}
