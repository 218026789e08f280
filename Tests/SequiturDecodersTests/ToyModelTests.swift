import SequiturCore
import SequiturTesting
import Testing

@Suite struct ToyModelTests {
    @Test func tableRowsAreNormalisedAndKeepTheListedValues() {
        let m = TableLanguageModel.seedExample()
        for prefix in [m.seedPrompt, m.seedPrompt + [6], [1], []] {
            #expect(abs(LogProbMath.logSumExp(m.logProbs(after: prefix))) < 1e-5)
        }
        #expect(m.logProbs(after: m.seedPrompt)[6] == -0.9)
        // A row whose listed mass exceeds one is renormalised over the listed tokens only.
        let v = ToyVocabulary(pieces: ["x", "y", "z"])
        let r = TableLanguageModel(vocabulary: v, table: [[0]: [1: 0, 2: 0]])
        #expect(r.logProbs(after: [0])[0] == -.infinity)
        #expect(abs(r.logProbs(after: [0])[1] - log(0.5)) < 1e-6)
    }

    @Test(arguments: [0, 1, 99])
    func randomRowsAreNormalisedDeterministicAndDependOnTheWholePrefix(seed: Int) throws {
        let a = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 12)
        let b = RandomLanguageModel(seed: UInt64(seed), vocabularySize: 12)
        #expect(a.logProbs(after: [1, 2, 3]) == b.logProbs(after: [1, 2, 3]))
        #expect(a.logProbs(after: [1, 2, 3]) != a.logProbs(after: [0, 2, 3]))
        #expect(a.logProbs(after: [1, 2, 3]) != RandomLanguageModel(seed: UInt64(seed) + 1, vocabularySize: 12).logProbs(after: [1, 2, 3]))
        #expect(abs(LogProbMath.logSumExp(a.logProbs(after: [5]))) < 1e-5)
        // The same answers alone and in a batch.
        let alone = try a.extend([ExtensionRequest(state: a.makeState(), tokens: [1, 2, 3], lastQuery: .full)])[0]
        let batch = try a.extend([ExtensionRequest(state: a.makeState(), tokens: [4], lastQuery: .full),
                                  ExtensionRequest(state: a.makeState(), tokens: [1, 2, 3], lastQuery: .full)])[1]
        #expect(alone.last == batch.last)
        #expect(alone.last?.fullRow == a.logProbs(after: [1, 2, 3]))
    }

    @Test func queriesAreAnsweredLikeABackend() throws {
        let m = RandomLanguageModel(seed: 4, vocabularySize: 9)
        let q = PositionQuery(targets: [3, 0], topK: 4)
        let answer = try #require(try m.extend([ExtensionRequest(state: m.makeState(), tokens: [2], lastQuery: q)])[0].last)
        let row = m.logProbs(after: [2])
        #expect(answer.targetLogProbs == [row[3], row[0]])
        #expect(answer.topK.count == 4)
        #expect(answer.topK.map(\.logProb) == row.sorted(by: >).prefix(4).map { $0 })
        #expect(answer.argmax == answer.topK[0].token)
        #expect(answer.fullRow.isEmpty)
    }

    @Test func forksAreIndependentAndWorkIsCounted() throws {
        let m = RandomLanguageModel(seed: 2, vocabularySize: 6)
        let s = m.makeState()
        _ = try m.extend([ExtensionRequest(state: s, tokens: [1, 2])])
        let f = s.fork()
        _ = try m.extend([ExtensionRequest(state: f, tokens: [3])])
        #expect(s.tokens == [1, 2])
        #expect(f.tokens == [1, 2, 3])
        #expect(m.processedTokenCount == 3)
    }

    @Test func badInputThrowsLikeARealModel() throws {
        let m = RandomLanguageModel(seed: 2, vocabularySize: 6, contextLength: 4)
        #expect(throws: LanguageModelError.tokenOutOfRange(token: 6, vocabularySize: 6)) {
            try m.extend([ExtensionRequest(state: m.makeState(), tokens: [6])])
        }
        #expect(throws: LanguageModelError.tokenOutOfRange(token: -1, vocabularySize: 6)) {
            try m.extend([ExtensionRequest(state: m.makeState(), tokens: [1], lastQuery: .target(-1))])
        }
        #expect(throws: LanguageModelError.contextOverflow(length: 5, contextLength: 4)) {
            try m.extend([ExtensionRequest(state: m.makeState(), tokens: [1, 1, 1, 1, 1])])
        }
        let s = m.makeState()
        #expect(throws: LanguageModelError.duplicateState(index: 1)) {
            try m.extend([ExtensionRequest(state: s, tokens: [1]), ExtensionRequest(state: s, tokens: [2])])
        }
        #expect(s.tokens.isEmpty)   // a rejected batch changes nothing
        let other = RandomLanguageModel(seed: 2, vocabularySize: 6)
        #expect(throws: LanguageModelError.foreignState) {
            try m.extend([ExtensionRequest(state: other.makeState(), tokens: [1])])
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
