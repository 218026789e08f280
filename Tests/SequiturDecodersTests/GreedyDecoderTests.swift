import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// Forbids one token: a logit processor to check that decoders with processors steer by them.
struct BanToken: LogitProcessor {
    let token: TokenID
    func process(_ logProbs: inout [Float], history: [TokenID]) { logProbs[Int(token)] = -.infinity }
}

/// Changes nothing, but its presence makes decoders fetch full rows: their results must not change.
struct IdentityProcessor: LogitProcessor {
    func process(_ logProbs: inout [Float], history: [TokenID]) {}
}

@Suite struct GreedyDecoderTests {
    /// The argmax chain read straight from the model's rows.
    func argmaxChain(_ model: RandomLanguageModel, prompt: [TokenID], count: Int) -> [TokenID] {
        var context = prompt
        var out: [TokenID] = []
        for _ in 0..<count {
            let row = model.logProbs(after: context)
            let t = TokenID(row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!)
            out.append(t)
            context.append(t)
        }
        return out
    }

    @Test(arguments: 0..<10)
    func followsTheArgmaxAndAsksOnlyForIt(seed: Int) throws {
        let model = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 9)
        let prompt: [TokenID] = [3, 1, 4]
        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 6, stopOnEndToken: false))
        let result = try GreedyDecoder().decode(request, model: model)
        let best = try #require(result.best)
        #expect(best.tokens == argmaxChain(model, prompt: prompt, count: 6))
        #expect(abs(best.logProb - model.logProb(of: best.tokens, after: prompt)) < 1e-5)
        // One extend per step, one token at a time, asking only for the argmax: no rows leave the model.
        let calls = model.extensionLog
        #expect(calls.count == 6)
        #expect(calls.dropFirst().allSatisfy { $0.count == 1 && $0[0].appended.count == 1 && $0[0].queries == [.argmax] })
        #expect(result.processedTokens == prompt.count + 5)
    }

    @Test func stopsOnTheEndToken() throws {
        // Find a seed whose greedy path ends in <eos> within 8 tokens; the decoder must stop right there.
        for seed in 0..<200 {
            let model = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 5)
            let chain = argmaxChain(model, prompt: [0], count: 8)
            guard let end = chain.firstIndex(of: model.endToken) else { continue }
            let best = try GreedyDecoder().decode(DecodingRequest(prompt: [0], stop: StopConditions(maxNewTokens: 8)),
                                                  model: model).best!
            #expect(best.tokens == Array(chain[...end]))
            #expect(best.finishReason == .endToken)
            return
        }
        Issue.record("no seed in 0..<200 ends greedily in <eos>; widen the search")
    }

    @Test(arguments: [2, 5, 9])
    func stopStringsMatchAcrossTokenBoundaries(seed: Int) throws {
        let model = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 8)
        let stop = StopConditions(maxNewTokens: 8, stopOnEndToken: false)
        let free = try GreedyDecoder().decode(DecodingRequest(prompt: [1], stop: stop), model: model).best!
        // Letters are one byte each (<eos> prints nothing): two letters from the middle span a token boundary.
        let text = Array(model.vocabulary.text(of: free.tokens))
        try #require(text.count >= 4)
        let stopString = String(text[2...3])
        var withStop = stop
        withStop.stopStrings = [stopString]
        let best = try GreedyDecoder().decode(DecodingRequest(prompt: [1], stop: withStop), model: model).best!
        let shortest = (1...free.tokens.count).first { n in
            let t = Array(model.vocabulary.text(of: Array(free.tokens.prefix(n))))
            return t.count >= 2 && (0...(t.count - 2)).contains { String(t[$0...($0 + 1)]) == stopString }
        }!
        #expect(best.tokens == Array(free.tokens.prefix(shortest)))
        #expect(best.finishReason == .stopString)
    }

    @Test func streamsEveryTokenAndStopsWhenAsked() throws {
        let model = RandomLanguageModel(seed: 21, vocabularySize: 8)
        var streamed: [TokenID] = []
        var streamedLogProbs: [Float] = []
        let request = DecodingRequest(prompt: [2], stop: StopConditions(maxNewTokens: 5, stopOnEndToken: false),
                                      onToken: { streamed.append($0); streamedLogProbs.append($1); return true })
        let best = try GreedyDecoder().decode(request, model: model).best!
        #expect(streamed == best.tokens)
        #expect(streamedLogProbs == best.tokenLogProbs)

        var count = 0
        let early = DecodingRequest(prompt: [2], stop: StopConditions(maxNewTokens: 5, stopOnEndToken: false),
                                    onToken: { _, _ in count += 1; return count < 2 })
        #expect(try GreedyDecoder().decode(early, model: model).best!.tokens == Array(best.tokens.prefix(2)))
    }

    @Test func returnsPromptLogProbs() throws {
        let model = RandomLanguageModel(seed: 3, vocabularySize: 6, contextLength: 128)
        let prompt: [TokenID] = [0, 4, 2, 1]
        let result = try GreedyDecoder().decode(DecodingRequest(prompt: prompt, returnPromptLogProbs: true), model: model)
        let lps = try #require(result.promptLogProbs)
        #expect(lps.count == 3)
        for i in 1..<prompt.count {
            #expect(lps[i - 1] == model.logProbs(after: Array(prompt[..<i]))[Int(prompt[i])])
        }
    }

    @Test func processorsSteerTheChoiceButNotTheReportedLogProbs() throws {
        let model = RandomLanguageModel(seed: 6, vocabularySize: 7)
        let stop = StopConditions(maxNewTokens: 4, stopOnEndToken: false)
        let plain = try GreedyDecoder().decode(DecodingRequest(prompt: [1], stop: stop), model: model).best!
        let same = try GreedyDecoder().decode(DecodingRequest(prompt: [1], stop: stop, processors: [IdentityProcessor()]),
                                              model: model).best!
        #expect(same == plain)
        let banned = plain.tokens[0]
        let steered = try GreedyDecoder().decode(
            DecodingRequest(prompt: [1], stop: stop, processors: [BanToken(token: banned)]), model: model).best!
        #expect(!steered.tokens.contains(banned))
        #expect(abs(steered.logProb - model.logProb(of: steered.tokens, after: [1])) < 1e-5)
    }
}
