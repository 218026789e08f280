import Foundation
import Sequitur
import Testing

/// On the real default model: exact search ≥ beam search (k = 16) ≥ greedy in log Pr(y | x), over outputs of
/// exactly N new tokens (end tokens off, so all three search the same space), with the search's certificate
/// printed and checked: either proven optimal, or a budget certificate whose upper bound covers every output
/// found, beam's and greedy's included.
///
/// Beam search with 16 beams costs a few hundred model tokens per prompt: far too slow in a debug build, so the
/// suite runs in release builds only (as CI builds and runs the tests).
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"),
       .enabled(if: !BuildConfiguration.isDebug, "real-model search comparisons run in release builds (swift test -c release)"))
struct DefaultModelSearchTests {
    /// Prompts from the beam fixtures that the search proves in a few dozen expansions (17, 24 and 33) and where
    /// greedy misses the optimum over 5 tokens.
    static var prompts: [BeamFixtureCase] {
        BeamFixtureFile.cases.filter { ["greedy_0", "greedy_3", "greedy_5"].contains($0.name) }
    }

    static let newTokens = 5

    @Test(arguments: prompts)
    func exhaustiveIsAtLeastBeamIsAtLeastGreedy(_ fixture: BeamFixtureCase) throws {
        try compareDecoders(on: fixture, maxExpansions: 300)
    }

    /// "The quick brown fox" needs 66 expansions to prove its optimum over 5 tokens: with 10 the search must stop
    /// on its budget and say so, with a bound that covers what beam and greedy found.
    @Test func tooSmallABudgetOnTheRealModelReportsABound() throws {
        let fixture = try #require(BeamFixtureFile.cases.first { $0.name == "greedy_7" })
        let certificate = try compareDecoders(on: fixture, maxExpansions: 10)
        #expect(!certificate.isProvenOptimal)
    }

    @discardableResult
    private func compareDecoders(on fixture: BeamFixtureCase, maxExpansions: Int) throws -> SearchCertificate {
        let request = DecodingRequest(prompt: fixture.prompt,
                                      stop: StopConditions(maxNewTokens: Self.newTokens, stopOnEndToken: false))
        let greedy = GreedyDecoder()
        // No length penalty and the exact stopping bound: beam ranks by log Pr(y | x), as the others do.
        let beam = try BeamSearchDecoder(numBeams: 16, lengthPenalty: 0, earlyStopping: .never)
        let exhaustive = try ExhaustiveDecoder(maxExpansions: maxExpansions)
        let (g, b, e) = try SharedDefaultModel.with { model in
            (try greedy.decode(request, model: model), try beam.decode(request, model: model),
             try exhaustive.decode(request, model: model))
        }
        let greedyBest = try #require(g.best), beamBest = try #require(b.best), found = try #require(e.best)
        let certificate = try #require(e.certificate, "exhaustive search returns a certificate")
        print("""
            search \(fixture.name) (\(Self.newTokens) new tokens, budget \(maxExpansions)): greedy \(greedyBest.logProb) \(greedyBest.tokens), \
            beam(16) \(beamBest.logProb) \(beamBest.tokens), exhaustive \(found.logProb) \(found.tokens); \
            certificate \(certificate)
            """)
        // Every finished output has exactly N tokens; only a search cut by its budget returns a shorter prefix.
        for h in [greedyBest, beamBest, found] where h.finishReason != .budget { #expect(h.tokens.count == Self.newTokens) }
        #expect((found.finishReason == .budget) == (!certificate.isProvenOptimal && found.tokens.count < Self.newTokens))
        #expect(beamBest.logProb >= greedyBest.logProb - 1e-9, "beam(16) found less than greedy")
        switch certificate {
        case let .provenOptimal(expansions):
            #expect(found.logProb >= beamBest.logProb - 1e-9, "the proven optimum is below beam's output")
            #expect(abs(found.score - found.logProb) < 1e-9)
            #expect(expansions >= 1 && expansions <= maxExpansions)
        case let .budgetExhausted(expansions, bestFound, upperBound, reason):
            #expect(expansions == maxExpansions && reason.contains("maxExpansions"))
            // Nothing unexplored can beat the bound, and whatever was explored is below what was found.
            #expect(upperBound >= beamBest.logProb - 1e-9 && upperBound >= greedyBest.logProb - 1e-9,
                    "budget upper bound \(upperBound) is below an output another decoder found")
            // With one output asked for, any finished one ends the search: what the budget left is below the bound.
            if let bestFound { #expect(bestFound <= upperBound + 1e-9, "best found \(bestFound) above the bound \(upperBound)") }
        }
        return certificate
    }
}
