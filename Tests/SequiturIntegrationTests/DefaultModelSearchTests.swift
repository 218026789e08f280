import Foundation
import Sequitur
import Testing

/// On the real default model: exact search ≥ beam search (k = 16) ≥ greedy in log Pr(y | x), over outputs of
/// exactly N new tokens (end tokens off, so all three search the same space), with the search's certificate
/// printed and checked: either proven optimal, or a budget certificate whose upper bound covers every output
/// found, beam's and greedy's included.
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct DefaultModelSearchTests {
    /// Prompts from the beam fixtures whose continuations are confident enough to prove in a few hundred
    /// expansions; one in debug builds, where the model runs ~10x slower.
    static var prompts: [BeamFixtureCase] {
        #if DEBUG
        let names = ["greedy_7"]
        #else
        let names = ["greedy_0", "greedy_2", "greedy_7"]
        #endif
        return BeamFixtureFile.cases.filter { names.contains($0.name) }
    }

    static let newTokens = 3
    static let maxExpansions = 300

    @Test(arguments: prompts)
    func exhaustiveIsAtLeastBeamIsAtLeastGreedy(_ fixture: BeamFixtureCase) throws {
        let request = DecodingRequest(prompt: fixture.prompt,
                                      stop: StopConditions(maxNewTokens: Self.newTokens, stopOnEndToken: false))
        let greedy = try GreedyDecoder()
        // No length penalty and the exact stopping bound: beam ranks by log Pr(y | x), as the others do.
        let beam = try BeamSearchDecoder(numBeams: 16, lengthPenalty: 0, earlyStopping: .never)
        let exhaustive = try ExhaustiveDecoder(maxExpansions: Self.maxExpansions)
        let (g, b, e) = try SharedDefaultModel.with { model in
            (try greedy.decode(request, model: model), try beam.decode(request, model: model),
             try exhaustive.decode(request, model: model))
        }
        let greedyBest = try #require(g.best), beamBest = try #require(b.best), found = try #require(e.best)
        let certificate = try #require(e.certificate, "exhaustive search returns a certificate")
        print("""
            search \(fixture.name) (\(Self.newTokens) new tokens): greedy \(greedyBest.logProb) \(greedyBest.tokens), \
            beam(16) \(beamBest.logProb) \(beamBest.tokens), exhaustive \(found.logProb) \(found.tokens); \
            certificate \(certificate)
            """)
        for h in [greedyBest, beamBest, found] { #expect(h.tokens.count == Self.newTokens) }
        #expect(beamBest.logProb >= greedyBest.logProb - 1e-9, "beam(16) found less than greedy")
        switch certificate {
        case let .provenOptimal(expansions):
            #expect(found.logProb >= beamBest.logProb - 1e-9, "the proven optimum is below beam's output")
            #expect(abs(found.score - found.logProb) < 1e-9)
            #expect(expansions >= 1 && expansions <= Self.maxExpansions)
        case let .budgetExhausted(expansions, bestFound, upperBound, reason):
            #expect(expansions == Self.maxExpansions && reason.contains("maxExpansions"))
            // Nothing unexplored can beat the bound, and whatever was explored is below what was found.
            #expect(upperBound >= beamBest.logProb - 1e-9 && upperBound >= greedyBest.logProb - 1e-9,
                    "budget upper bound \(upperBound) is below an output another decoder found")
            // With one output asked for, any finished one ends the search: what the budget left is below the bound.
            if let bestFound { #expect(bestFound <= upperBound + 1e-9, "best found \(bestFound) above the bound \(upperBound)") }
        }
    }
}
