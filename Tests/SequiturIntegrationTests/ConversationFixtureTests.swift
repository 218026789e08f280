import Foundation
import Sequitur
import Testing

/// Conversation scoring with the default model against transformers: the same rendering, tokens and turn spans
/// as a hand-written loss mask, per-turn log-probs within 2e-3, and a total equal to the turn-by-turn
/// joint-minus-marginal formula within 1e-4.
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct ConversationFixtureTests {
    /// Every fixture in release builds (what CI runs); in debug builds, where the unoptimised forward pass costs
    /// seconds per token, the two shortest (default system turn, unicode, two rounds each); release adds 3 and 4 rounds.
    static var fixtures: [ConversationFixture] {
        #if DEBUG
        return Array(ConversationFixture.all.sorted { $0.tokenIds.count < $1.tokenIds.count }.prefix(2))
        #else
        return ConversationFixture.all
        #endif
    }

    @Test(arguments: fixtures)
    func perTurnLogProbsMatchTransformers(fixture: ConversationFixture) throws {
        try SharedDefaultModel.withAll { loaded in
            let scorer = ConversationScorer()
            let layout = try scorer.layout(fixture.messages, renderer: loaded.renderer)
            #expect(layout.rendered.text == fixture.text)
            #expect(layout.tokens == fixture.tokenIds)
            #expect(layout.turns.map(\.messageIndex) == fixture.turns.map(\.messageIndex))
            #expect(layout.turns.map(\.tokenRange) == fixture.turns.map { $0.tokenStart..<$0.tokenEndWithEndOfTurn })
            let without = try ConversationScorer(includeEndOfTurn: false).layout(fixture.messages, renderer: loaded.renderer)
            #expect(without.turns.map(\.tokenRange) == fixture.turns.map { $0.tokenStart..<$0.tokenEndWithoutEndOfTurn })

            let score = try scorer.score(layouts: [layout], model: loaded.model)[0]
            for (turn, expected) in zip(score.turns, fixture.turns) {
                #expect(turn.tokenLogProbs.count == expected.tokenLogprobs.count)
                let worst = zip(turn.tokenLogProbs, expected.tokenLogprobs).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst < 2e-3, "message \(turn.messageIndex): token log-prob off by \(worst)")
                #expect(abs(turn.logProb - expected.logprobWithEndOfTurn) < 2e-3,
                        "message \(turn.messageIndex): \(turn.logProb) vs \(expected.logprobWithEndOfTurn)")
                let withoutMarker = turn.tokenLogProbs.dropLast().reduce(0.0) { $0 + Double($1) }
                #expect(abs(withoutMarker - expected.logprobWithoutEndOfTurn) < 2e-3)
            }
            #expect(abs(score.totalLogProb - fixture.totalWithEndOfTurn) < 2e-3)
        }
    }

    @Test func totalEqualsTurnByTurnJointMinusMarginal() throws {
        try SharedDefaultModel.withAll { loaded in
            let fixture = try #require(ConversationFixture.all.first { $0.name == "two_rounds_default_system" })
            let layout = try ConversationScorer().layout(fixture.messages, renderer: loaded.renderer)
            let score = try ConversationScorer().score(layouts: [layout], model: loaded.model)[0]
            let requests = layout.turns.map { turn in
                ScoringRequest(id: "\(turn.messageIndex)", context: Array(layout.tokens[..<turn.tokenRange.lowerBound]),
                               continuation: Array(layout.tokens[turn.tokenRange]))
            }
            let reference = try JointMarginalScorer().score(requests, model: loaded.model)
            let referenceTotal = reference.reduce(0.0) { $0 + $1.logProb }
            #expect(abs(score.totalLogProb - referenceTotal) < 1e-4, "\(score.totalLogProb) vs \(referenceTotal)")
            for (turn, ref) in zip(score.turns, reference) { #expect(abs(turn.logProb - ref.logProb) < 1e-4) }
        }
    }

    @Test func theDefaultTemplateRejectsAConversationThatOpensWithTheAssistant() throws {
        try SharedDefaultModel.withAll { loaded in
            // SmolLM2's template adds its default system turn before a first non-system message, but not to an
            // empty conversation's generation prompt: the opening turn has no fixed place in the text.
            #expect {
                try ConversationScorer().layout([.assistant("Hello!"), .user("Hi.")], renderer: loaded.renderer)
            } throws: { error in
                if case .notPrefixStable(messageIndex: 0, _)? = error as? ConversationError { return true }
                return false
            }
        }
    }
}
