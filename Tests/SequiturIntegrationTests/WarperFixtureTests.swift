import Foundation
import Sequitur
import Testing

/// `SamplingWarpers` against transformers' `TypicalLogitsWarper`, `EpsilonLogitsWarper` and `EtaLogitsWarper`
/// on rows logged from the default model (`Tests/Fixtures/warpers/warpers.json`, written by
/// `scripts/reference/warper_fixtures.py`): the same kept token set on each row, recomputed with our model. Rows
/// whose kept set is a float32 coin toss at the threshold have no `kept` in the fixture and are only counted.
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct WarperFixtureTests {
    struct Case: Decodable {
        let prompt: [TokenID]
        let prefix: [TokenID]
        let warper: String
        let value: Double
        let kept: [TokenID]?
    }

    struct File: Decodable {
        let cases: [Case]
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/warpers/warpers.json")

    @Test func keptSetsMatchTransformers() throws {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: Self.url))
        #expect(file.cases.count >= 60)
        var compared = 0, ties = 0
        for c in file.cases {
            guard let want = c.kept else {
                ties += 1
                continue
            }
            let warpers: SamplingWarpers
            switch c.warper {
            case "typicalP": warpers = try SamplingWarpers(typicalP: c.value)
            case "epsilon": warpers = try SamplingWarpers(epsilon: c.value)
            case "eta": warpers = try SamplingWarpers(eta: c.value)
            default:
                Issue.record("unknown warper \(c.warper)")
                continue
            }
            let answer = try SharedDefaultModel.with { model in
                try model.extend([ExtensionRequest(state: model.makeState(), tokens: c.prompt + c.prefix, lastQuery: .full)])[0].last!
            }
            let logits = answer.fullRow.map { $0 + answer.logNormalizer }
            let got = warpers.kept(RowSelection.sorted(logits)).map(\.token).sorted()
            #expect(got == want, "\(c.warper) \(c.value) after \(c.prefix.count) tokens: \(got.count) kept, transformers \(want.count); differ on \(Set(got).symmetricDifference(want).sorted().prefix(8))")
            compared += 1
        }
        print("warper fixtures: \(compared) rows compared, \(ties) threshold ties skipped")
    }
}
