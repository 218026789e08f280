import Foundation
import Sequitur
import Testing

/// LlamaModel on the real default model against transformers' float32 log-probs (committed fixtures).
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun, "default model not present (set CI to require it)"))
struct LogProbFixtureTests {
    static let tolerance = 2e-3
    /// Below this top-2 margin the reference's argmax is a coin toss in float32, so it is not compared.
    static let argmaxMargin = 1e-3

    @Test(arguments: LogProbFixture.all)
    func matchesTransformers(_ fixture: LogProbFixture) throws {
        let ids = fixture.tokenIds
        let answers = try SharedDefaultModel.with { model in
            let queries: [PositionQuery?] = ids.indices.map { i in
                i + 1 < ids.count ? .target(ids[i + 1]) : .argmax
            }
            return try model.extend([ExtensionRequest(state: model.makeState(), tokens: ids, queries: queries)])[0].answers
        }
        var worst = 0.0, worstAt = -1
        for i in ids.indices {
            guard let a = answers[i] else {
                Issue.record("\(fixture.name): no answer at position \(i)")
                continue
            }
            if i + 1 < ids.count {
                let diff = abs(Double(a.targetLogProbs[0]) - fixture.logprobs[i])
                if diff > worst { (worst, worstAt) = (diff, i) }
            }
            if fixture.margin[i] > Self.argmaxMargin {
                #expect(a.argmax == fixture.argmax[i],
                        "\(fixture.name): argmax after position \(i) is \(a.argmax), transformers says \(fixture.argmax[i])")
            }
        }
        print("log-prob fixture \(fixture.name): \(ids.count) tokens, max |Δ| vs transformers \(worst) at position \(worstAt)")
        #expect(worst <= Self.tolerance, "\(fixture.name): max |Δ log-prob| \(worst) at position \(worstAt)")
    }

    /// A few requests (a prefill, a prefill with a decode step, a fork) answer bitwise the same alone and batched.
    @Test func realModelAnswersDoNotDependOnTheBatch() throws {
        let fixtures = LogProbFixture.all.filter { (5...60).contains($0.tokenIds.count) }.prefix(4)
        try #require(fixtures.count == 4)
        try SharedDefaultModel.with { model in
            func run(_ batched: Bool) throws -> [ExtensionResult] {
                let states = fixtures.map { _ in model.makeState() }
                // State 1 has already consumed half its text: its request is a continuation, state 3 a decode step.
                let half = fixtures[fixtures.startIndex + 1].tokenIds.count / 2
                _ = try model.extend([ExtensionRequest(state: states[1], tokens: Array(fixtures[fixtures.startIndex + 1].tokenIds[..<half]))])
                let three = fixtures[fixtures.startIndex + 3].tokenIds
                _ = try model.extend([ExtensionRequest(state: states[3], tokens: Array(three.dropLast()))])
                let requests = fixtures.indices.enumerated().map { k, f -> ExtensionRequest in
                    let ids = fixtures[f].tokenIds
                    let tokens = k == 1 ? Array(ids[half...]) : k == 3 ? [ids.last!] : ids
                    return ExtensionRequest(state: states[k], tokens: tokens,
                                            queries: tokens.map { PositionQuery(targets: [$0], topK: 2) })
                }
                if batched { return try model.extend(requests) }
                return try requests.map { try model.extend([$0])[0] }
            }
            let alone = try run(false), together = try run(true)
            for k in alone.indices { #expect(alone[k].answers == together[k].answers, "request \(k)") }
        }
    }
}
