import SequiturCore
import SequiturScoring
import SequiturTesting
import Testing

@Suite struct MultipleChoiceRankerTests {
    static func result(_ logProb: Double) -> ScoringResult {
        ScoringResult(id: "", logProb: logProb, tokenLogProbs: [Float(logProb)], isGreedy: false)
    }

    @Test func scoresEachChoiceAsDelimiterPlusChoiceAfterTheContext() throws {
        let model = PrefixHashLanguageModel(seed: 21)
        let encoder = GreedyPieceEncoder.forVocabulary(model.vocabulary)
        let splitter = TextScoringSplitter(encoder: encoder)
        let choices = ["dog", "cat", "a", "elephant", "dog"]
        let context = "the animal is"
        let ranking = try MultipleChoiceRanker(scorer: SharedPrefixScorer(), splitter: splitter)
            .rank(context: context, choices: choices, model: model)
        #expect(ranking.choices.map(\.text) == choices)
        let x = try encoder.encode(context)
        for (i, scored) in ranking.choices.enumerated() {
            let y = try encoder.encode(" " + choices[i])
            let direct = try DirectScorer().score([ScoringRequest(id: "", context: x, continuation: y)], model: model)[0]
            #expect(abs(scored.logProb - direct.logProb) < 1e-9)
            #expect(scored.result.tokenCount == y.count)
            #expect(scored.logProbPerCharacter == scored.logProb / Double(choices[i].count))
        }
        let totals = ranking.choices.map(\.logProb)
        let best = totals.indices.first { totals[$0] == totals.max()! }
        #expect(ranking.bestByLogProb == best)
        let perChar = ranking.choices.map(\.logProbPerCharacter)
        #expect(ranking.bestByLogProbPerCharacter == perChar.indices.first { perChar[$0] == perChar.max()! })
        // The duplicate choices tie exactly; the lower index ranks first.
        let order = ranking.orderByLogProb
        #expect(order.firstIndex(of: 0)! < order.firstIndex(of: 4)!)
        #expect(order.sorted() == Array(0..<5))
        #expect(zip(order, order.dropFirst()).allSatisfy { totals[$0] >= totals[$1] })
    }

    @Test func theContextIsPrefilledOnceWithTheSharedPrefixScorer() throws {
        let model = PrefixHashLanguageModel(seed: 22)
        let splitter = TextScoringSplitter(encoder: GreedyPieceEncoder.forVocabulary(model.vocabulary))
        let context = String(repeating: "abcdefgh", count: 5)
        _ = try MultipleChoiceRanker(scorer: SharedPrefixScorer(), splitter: splitter)
            .rank(context: context, choices: ["ab", "c", "de"], model: model)
        // 40 context tokens once, then each choice's tokens but its last: " a"+"b" → 1, " c" → 0, " d"+"e" → 1.
        #expect(model.processedTokenCount == 40 + 2)
    }

    @Test func accNormDividesByCharactersAndPerByteByUTF8Bytes() {
        // "é" is one character and two bytes: the two normalisations disagree on which choice wins.
        let ranking = MultipleChoiceRanking(choices: [
            ScoredChoice(text: "é", result: Self.result(-3)),        // −3 per char, −1.5 per byte
            ScoredChoice(text: "ab", result: Self.result(-4)),       // −2 per char, −2 per byte
        ])
        #expect(ranking.choices[0].characterCount == 1 && ranking.choices[0].byteCount == 2)
        #expect(ranking.bestByLogProb == 0)
        #expect(ranking.bestByLogProbPerCharacter == 1)
        #expect(ranking.bestByLogProbPerByte == 0)
        #expect(ranking.orderByLogProbPerCharacter == [1, 0])
    }

    @Test func tiesGoToTheLowerIndexAndNaNNeverWins() {
        let ranking = MultipleChoiceRanking(choices: [
            ScoredChoice(text: "", result: ScoringResult(id: "", logProb: 0, tokenLogProbs: [], isGreedy: true)),
            ScoredChoice(text: "bb", result: Self.result(-2)),
            ScoredChoice(text: "c", result: Self.result(-5)),
            ScoredChoice(text: "d", result: Self.result(-1)),
            ScoredChoice(text: "e", result: Self.result(-1)),
        ])
        #expect(ranking.bestByLogProb == 0)                                  // 0 is the highest total
        #expect(ranking.choices[0].logProbPerCharacter.isNaN)                // 0 / 0
        #expect(ranking.bestByLogProbPerCharacter == 1)                      // −1 ties −1 −1: lowest index
        #expect(ranking.orderByLogProbPerCharacter == [1, 3, 4, 2, 0])
        #expect(ranking.orderByLogProb == [0, 3, 4, 1, 2])
        #expect(MultipleChoiceRanking(choices: []).bestByLogProb == nil)
    }
}
