import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// `DecodingRequest.shouldStop` (Ctrl-C in the command line): every decoder stops at its next model call and
/// returns what it has, unfinished hypotheses marked `.interrupted`; exact search keeps a valid bound.
@Suite struct InterruptionTests {
    /// A stop request that answers true from its `after`-th poll on, counting polls.
    final class StopAfter {
        let after: Int
        var polls = 0
        init(_ after: Int) { self.after = after }
        func poll() -> Bool {
            polls += 1
            return polls >= after
        }
    }

    let model = RandomLanguageModel(seed: 9, vocabularySize: 12, contextLength: 128)
    let stop = StopConditions(maxNewTokens: 40, stopOnEndToken: false)

    @Test func greedyEndsTheHypothesisWhereItWasStopped() throws {
        let stopper = StopAfter(3)
        let result = try GreedyDecoder().decode(DecodingRequest(prompt: [1, 2], stop: stop, shouldStop: stopper.poll), model: model)
        let full = try GreedyDecoder().decode(DecodingRequest(prompt: [1, 2], stop: stop), model: model)
        let best = try #require(result.best)
        #expect(best.finishReason == .interrupted && best.tokens.count == 3)
        #expect(Array(full.best!.tokens.prefix(3)) == best.tokens, "the tokens before the stop are greedy's")
    }

    @Test func onTokenReturningFalseIsAnInterruption() throws {
        var seen = 0
        let request = DecodingRequest(prompt: [1, 2], stop: stop, onToken: { _, _ in seen += 1; return seen < 5 })
        let best = try #require(try SamplingDecoder(temperature: 0.7, seed: 3).decode(request, model: model).best)
        #expect(best.finishReason == .interrupted && best.tokens.count == 5)
    }

    @Test func beamSearchReturnsItsLiveBeamsRankedAndMarked() throws {
        let beam = try BeamSearchDecoder(numBeams: 3, numReturnSequences: 3)
        let stopper = StopAfter(4)
        let result = try beam.decode(DecodingRequest(prompt: [1, 2], stop: stop, shouldStop: stopper.poll), model: model)
        #expect(result.hypotheses.count == 3)
        #expect(result.hypotheses.allSatisfy { $0.finishReason == .interrupted && $0.tokens.count == 4 })
        #expect(result.hypotheses.map(\.score) == result.hypotheses.map(\.score).sorted(by: >))
        #expect(stopper.polls == 4, "one poll per step, none after the stop")
    }

    @Test func exactSearchStopsWithABudgetCertificateWhoseBoundHolds() throws {
        let exhaustive = try ExhaustiveDecoder(maxExpansions: 100_000)
        let short = StopConditions(maxNewTokens: 6, stopOnEndToken: false)
        let stopper = StopAfter(5)
        let result = try exhaustive.decode(DecodingRequest(prompt: [1, 2], stop: short, shouldStop: stopper.poll), model: model)
        guard case let .budgetExhausted(expansions, _, bound, reason)? = result.certificate else {
            Issue.record("expected a budget certificate, got \(String(describing: result.certificate))")
            return
        }
        #expect(reason == "interrupted" && expansions < 100_000)
        // The bound is honest: the true optimum (an uninterrupted search) scores no more than it.
        let optimum = try #require(try exhaustive.decode(DecodingRequest(prompt: [1, 2], stop: short), model: model).best)
        #expect(optimum.score <= bound)
        #expect(!result.hypotheses.isEmpty)
    }
}
