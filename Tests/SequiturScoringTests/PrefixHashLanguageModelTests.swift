import SequiturCore
import SequiturTesting
import Testing

@Suite struct PrefixHashLanguageModelTests {
    @Test func rowsAreNormalisedAndDependOnTheWholePrefix() {
        let model = PrefixHashLanguageModel(seed: 3)
        let a = model.logProbRow(after: [5, 6, 7])
        #expect(a.count == 50)
        let total = a.reduce(0.0) { $0 + exp(Double($1)) }
        #expect(abs(total - 1) < 1e-5)
        #expect(a.allSatisfy { $0 <= 0 && $0.isFinite })
        #expect(model.logProbRow(after: [5, 6, 7]) == a)                     // deterministic
        #expect(model.logProbRow(after: [4, 6, 7]) != a)                     // first token matters
        #expect(model.logProbRow(after: [6, 7]) != a)                        // length matters
        #expect(PrefixHashLanguageModel(seed: 4).logProbRow(after: [5, 6, 7]) != a)  // seed matters
    }

    @Test func extendAnswersQueriesFromTheReferenceRows() throws {
        let model = PrefixHashLanguageModel(seed: 1)
        let state = model.makeState()
        let query = PositionQuery(targets: [9, 2, 9], topK: 5, fullRow: true)
        let r = try model.extend([ExtensionRequest(state: state, tokens: [3, 4, 5], queries: [nil, query, .argmax])])[0]
        #expect(r.answers[0] == nil)
        let row = model.logProbRow(after: [3, 4])
        let answer = try #require(r.answers[1])
        #expect(answer.targetLogProbs == [row[9], row[2], row[9]])
        #expect(answer.fullRow == row)
        #expect(answer.argmaxLogProb == row.max())
        #expect(answer.topK.count == 5)
        #expect(answer.topK[0].token == answer.argmax)
        #expect(zip(answer.topK, answer.topK.dropFirst()).allSatisfy { $0.logProb >= $1.logProb })
        let last = try #require(r.answers[2])
        #expect(last.targetLogProbs.isEmpty && last.fullRow.isEmpty && last.topK.isEmpty)
        #expect(state.tokens == [3, 4, 5])
        #expect(model.processedTokenCount == 3)
    }

    @Test func tiesGoToTheLowerId() throws {
        let model = PrefixHashLanguageModel(seed: 2, logitLevels: 2)   // two levels: ties everywhere
        let state = model.makeState()
        let r = try model.extend([ExtensionRequest(state: state, tokens: [7], lastQuery: PositionQuery(topK: 50))])[0]
        let row = model.logProbRow(after: [7])
        let answer = try #require(r.last)
        let firstMax = row.firstIndex(of: row.max()!)!
        #expect(Int(answer.argmax) == firstMax)
        #expect(row.filter { $0 == row.max()! }.count > 1)
        for (a, b) in zip(answer.topK, answer.topK.dropFirst()) {
            #expect(a.logProb > b.logProb || (a.logProb == b.logProb && a.token < b.token))
        }
    }

    @Test func forkSharesHistoryAndDiverges() throws {
        let model = PrefixHashLanguageModel()
        let s = model.makeState()
        _ = try model.extend([ExtensionRequest(state: s, tokens: [2, 3])])
        let f = s.fork()
        let r = try model.extend([ExtensionRequest(state: f, tokens: [4], lastQuery: .target(5)),
                                  ExtensionRequest(state: s, tokens: [6], lastQuery: .target(5))])
        #expect(f.tokens == [2, 3, 4] && s.tokens == [2, 3, 6])
        #expect(r[0].last?.targetLogProbs == [model.logProbRow(after: [2, 3, 4])[5]])
        #expect(r[1].last?.targetLogProbs == [model.logProbRow(after: [2, 3, 6])[5]])
        #expect(model.processedTokenCount == 4)     // the fork did not recompute [2, 3]
    }

    @Test func rejectsBadInputWithoutTouchingAnyState() throws {
        let model = PrefixHashLanguageModel(vocabularySize: 10, contextLength: 4)
        let s = model.makeState()
        let t = model.makeState()
        func expectUnchanged() { #expect(s.tokens.isEmpty && t.tokens.isEmpty && model.processedTokenCount == 0) }
        #expect(throws: LanguageModelError.tokenOutOfRange(token: 10, vocabularySize: 10)) {
            try model.extend([ExtensionRequest(state: t, tokens: [1]), ExtensionRequest(state: s, tokens: [10])])
        }
        #expect(throws: LanguageModelError.tokenOutOfRange(token: -1, vocabularySize: 10)) {
            try model.extend([ExtensionRequest(state: s, tokens: [1], lastQuery: .target(-1))])
        }
        #expect(throws: LanguageModelError.contextOverflow(length: 5, contextLength: 4)) {
            try model.extend([ExtensionRequest(state: s, tokens: [1, 2, 3, 4, 5])])
        }
        #expect(throws: LanguageModelError.duplicateState(index: 1)) {
            try model.extend([ExtensionRequest(state: s, tokens: [1]), ExtensionRequest(state: s, tokens: [2])])
        }
        #expect(throws: LanguageModelError.foreignState) {
            try model.extend([ExtensionRequest(state: PrefixHashLanguageModel().makeState(), tokens: [1])])
        }
        expectUnchanged()
    }

    @Test func vocabularyBytesAreDistinctAndPrintable() {
        let vocabulary = PrefixHashVocabulary(count: 60)
        #expect(vocabulary.bytes(of: 0).isEmpty && vocabulary.bytes(of: 1).isEmpty)
        #expect(vocabulary.beginToken == 0 && vocabulary.endTokens == [1])
        let texts = (2..<60).map { vocabulary.text(of: [TokenID($0)]) }
        #expect(Set(texts).count == texts.count)
        #expect(texts[0] == "a" && texts[26] == " a" && texts[52] == " a2")
        #expect(vocabulary.bytes(of: 60).isEmpty && vocabulary.bytes(of: -3).isEmpty)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
