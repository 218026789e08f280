import SequiturCore
import SequiturScoring
import SequiturTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct RollingPerplexityTests {
    /// Token j's context starts at window k's start, where k is the window that first reaches j.
    static func bruteForce(_ tokens: [TokenID], window n: Int, stride s: Int, model: PrefixHashLanguageModel) -> Double {
        (1..<tokens.count).reduce(0.0) { total, j in
            let begin = j < n ? 0 : s * ((j - n) / s + 1)
            let row = model.logProbRow(after: Array(tokens[begin..<j]))
            return total + Double(row[Int(tokens[j])])
        }
    }

    @Test(arguments: [(8, 1), (8, 3), (8, 7), (2, 1), (5, 4), (64, 16)])
    func matchesBruteForceAndScoresEveryTokenButTheFirstOnce(window: Int, stride: Int) throws {
        let model = PrefixHashLanguageModel(seed: 31)
        var rng = SplitMix64(seed: UInt64(window * 100 + stride))
        for length in [2, 3, window - 1, window, window + 1, 2 * window + 3, 41] where length >= 2 {
            let tokens = randomTokens(length, vocabularySize: 50, using: &rng)
            let rolling = try RollingPerplexity(window: window, stride: stride)
            let windows = rolling.windows(of: tokens)
            // Each token 1..<T appears exactly once as a continuation token, in order.
            let scored = windows.flatMap(\.continuation)
            #expect(scored == Array(tokens.dropFirst()))
            for w in windows {
                #expect(!w.context.isEmpty && w.context.count + w.continuation.count <= window)
            }
            let expected = Self.bruteForce(tokens, window: window, stride: stride, model: model)
            for scorer in allScorers() {
                let r = try rolling.evaluate(tokens, scorer: scorer, model: model)
                #expect(r.tokenCount == length - 1)
                #expect(abs(r.totalLogProb - expected) < 1e-4, "\(scorer.name) window \(window) stride \(stride) length \(length)")
                #expect(abs(r.perplexity - exp(-expected / Double(length - 1))) < 1e-4 * r.perplexity)
            }
        }
    }

    @Test func windowsOverlapByWindowMinusStride() throws {
        let tokens: [TokenID] = Array(2..<14)          // 12 tokens: t_0 = 2
        let w = try RollingPerplexity(window: 5, stride: 3).windows(of: tokens)
        #expect(w.map(\.context) == [[2], [5, 6], [8, 9], [11, 12]])
        #expect(w.map(\.continuation) == [[3, 4, 5, 6], [7, 8, 9], [10, 11, 12], [13]])
    }

    @Test func rejectsBadParametersAndInput() throws {
        #expect(throws: RollingPerplexityError.invalidWindow(window: 4, stride: 4)) {
            try RollingPerplexity(window: 4, stride: 4)
        }
        #expect(throws: RollingPerplexityError.invalidWindow(window: 1, stride: 1)) {
            try RollingPerplexity(window: 1, stride: 1)
        }
        #expect(throws: RollingPerplexityError.invalidWindow(window: 4, stride: 0)) {
            try RollingPerplexity(window: 4, stride: 0)
        }
        let rolling = try RollingPerplexity(window: 4, stride: 2)
        let model = PrefixHashLanguageModel(contextLength: 3)
        #expect(throws: RollingPerplexityError.tooShort(tokenCount: 1)) {
            try rolling.evaluate([5], scorer: DirectScorer(), model: model)
        }
        #expect(throws: RollingPerplexityError.windowExceedsContext(window: 4, contextLength: 3)) {
            try rolling.evaluate([5, 6, 7], scorer: DirectScorer(), model: model)
        }
        #expect(RollingPerplexityError.tooShort(tokenCount: 1).description.contains("1 token"))
    }
}
