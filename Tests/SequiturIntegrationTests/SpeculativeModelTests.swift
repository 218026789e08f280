import Foundation
import Sequitur
import Testing

/// Speculative decoding on the default model, over the beam fixtures' greedy prompts: bitwise greedy's tokens,
/// log-probs and finish reasons, drafting by prompt lookup or with a draft model (the default model itself,
/// which must then have every guess accepted), and with the prefix forks of the KV cache, nothing recomputed:
/// the positions fed are greedy's plus the rejected guesses.
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct SpeculativeModelTests {
    static var prompts: [[TokenID]] {
        let greedy = (BeamFixtureFile.shared?.cases ?? []).filter { $0.decoder == "greedy" }.map(\.prompt)
        return Array(greedy.prefix(BuildConfiguration.isDebug ? 1 : 6))
    }

    @Test func bitwiseGreedyWithEitherDraft() throws {
        let stop = StopConditions(maxNewTokens: 24)
        try SharedDefaultModel.with { model in
            let selfDraft = try SpeculativeDecoder(draft: DraftModelSource(model: model), numDraftTokens: 4)
            for prompt in Self.prompts {
                let request = DecodingRequest(prompt: prompt, stop: stop)
                let greedy = try GreedyDecoder().decode(request, model: model)
                let (lookup, lookupStats) = try SpeculativeDecoder(numDraftTokens: 4).decodeWithStatistics(request, model: model)
                #expect(lookup.hypotheses == greedy.hypotheses, "prompt lookup differs from greedy")
                #expect(lookup.processedTokens == greedy.processedTokens + lookupStats.drafted - lookupStats.accepted)
                let (drafted, stats) = try selfDraft.decodeWithStatistics(request, model: model)
                #expect(drafted.hypotheses == greedy.hypotheses, "a draft model differs from greedy")
                #expect(stats.accepted == stats.drafted, "the model drafting for itself had a guess rejected")
                #expect(stats.targetCalls < greedy.best!.tokens.count)
                print("speculative: \(greedy.best!.tokens.count) tokens; prompt lookup \(lookupStats.accepted)/\(lookupStats.drafted) accepted in \(lookupStats.targetCalls) calls; self-draft \(stats.targetCalls) calls")
            }
        }
    }
}
