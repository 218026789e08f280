import Foundation
import Sequitur
import Testing

/// A chat with the default model: the second round feeds only its new tokens, and its reply is the one a fresh
/// greedy decode of the whole rendered prompt gives.
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct ChatSessionModelTests {
    @Test func secondRoundReusesTheHistoryAndMatchesAFreshDecode() throws {
        try SharedDefaultModel.withAll { loaded in
            let stop = StopConditions(maxNewTokens: 6)
            let session = try ChatSession(model: loaded.model, renderer: loaded.renderer, decoder: GreedyDecoder(),
                                          stop: stop, messages: [.system("You are terse.")])
            let first = try session.send("What is the capital of France?")
            #expect(!first.text.isEmpty)
            #expect(first.reusedTokenCount == 0)

            let before = loaded.model.processedTokenCount
            let second = try session.send("And of Italy?")
            #expect(loaded.model.processedTokenCount - before == second.processedTokens)
            #expect(second.reusedTokenCount == first.promptTokenCount - 1)

            let prompt = try loaded.renderer.tokenize(
                loaded.renderer.render(Array(session.messages.dropLast()), addGenerationPrompt: true)).tokens
            #expect(prompt.count == second.promptTokenCount)
            let fresh = try GreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stop), model: loaded.model)
            let best = try #require(fresh.best)
            #expect(second.hypothesis.tokens == best.tokens)
            let worst = zip(second.hypothesis.tokenLogProbs, best.tokenLogProbs).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-3, "reply log-probs differ from a fresh decode by \(worst)")
            // The fresh decode fed the whole prompt; the session only what followed round 1's prompt.
            #expect(second.processedTokens == fresh.processedTokens - second.reusedTokenCount)
            #expect(second.text == loaded.tokenizer.decode(best.tokens, skipSpecial: true))
        }
    }
}
