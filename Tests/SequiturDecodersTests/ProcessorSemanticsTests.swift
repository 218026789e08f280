import SequiturCore
import SequiturDecoders
import Testing

/// Each shipped processor on one row, against values worked out by hand from its definition.
@Suite struct ProcessorSemanticsTests {
    let start = ProcessorStart(prompt: [1, 3], vocabularySize: 5, endTokens: [4])

    func run(_ processor: some LogitProcessor, _ row: [Float], accepting tokens: [TokenID] = []) -> [Float] {
        var chain = LogitProcessorChain([processor], start: start)
        for t in tokens { chain.accept(t) }
        var row = row
        chain.process(&row, history: start.prompt + tokens)
        return row
    }

    @Test func repetitionPenaltyMultipliesTheLogProbsOfSeenTokens() throws {
        // History [1, 3, 2]: tokens 1, 2, 3 were seen. Log-probs are ≤ 0, so each is multiplied by 2; a zero
        // (probability one) stays zero, as transformers' rule (divide positives, multiply negatives) gives.
        let row = run(try RepetitionPenaltyProcessor(penalty: 2), [-1, -2, 0, -3, -4], accepting: [2])
        #expect(row == [-1, -4, 0, -6, -4])
        // Below 1 it rewards repeats.
        #expect(run(try RepetitionPenaltyProcessor(penalty: 0.5), [-1, -2, -1, -3, -4]) == [-1, -1, -1, -1.5, -4])
    }

    @Test func presenceAndFrequencyPenaltiesCountGeneratedTokensOnly() throws {
        // Generated 2, 2, 0: token 2 twice, token 0 once; the prompt's 1 and 3 do not count (OpenAI).
        let both = try PresenceFrequencyPenaltyProcessor(presence: 0.5, frequency: 0.25)
        #expect(run(both, [0, 0, 0, 0, 0], accepting: [2, 2, 0]) == [-0.75, 0, -1, 0, 0])
        #expect(run(try PresenceFrequencyPenaltyProcessor(presence: 1), [0, 0, 0, 0, 0], accepting: [2, 2]) == [0, 0, -1, 0, 0])
        #expect(run(try PresenceFrequencyPenaltyProcessor(frequency: 1), [0, 0, 0, 0, 0], accepting: [2, 2]) == [0, 0, -2, 0, 0])
    }

    @Test func logitBiasAddsItsBias() throws {
        let bias = try LogitBiasProcessor(bias: [0: 1.5, 4: -.infinity])
        #expect(run(bias, [-1, -2, -3, -4, -5]) == [0.5, -2, -3, -4, -.infinity])
    }

    @Test func sequenceBiasAddsToTheLastTokenAfterTheRest() throws {
        // History [1, 3]: the history ends with [3], so [3, 2] biases token 2 by -1, and [2] adds 0.5 to it (biases
        // sharing a last token add up); [0] applies everywhere; [1, 3] does not fire (the history ends with 3,
        // not 1); [1, 3, 4] is longer than the history, which transformers skips.
        let bias = try SequenceBiasProcessor(biases: [([3, 2], -1), ([0], 2), ([1, 3, 4], -5), ([1, 3], 7), ([2], 0.5)])
        #expect(run(bias, [0, 0, 0, 0, 0]) == [2, 0, -0.5, 0, 0])
        // After generating 4: history [1, 3, 4]; nothing ends with 3 any more, [1, 3, 4] cannot fire before 4.
        #expect(run(bias, [0, 0, 0, 0, 0], accepting: [4]) == [2, 0, 0.5, 0, 0])
        let ready = try SequenceBiasProcessor(biases: [([1, 3, 4], -5)])
        #expect(run(ready, [0, 0, 0, 0, 0]) == [0, 0, 0, 0, 0])
        #expect(run(try SequenceBiasProcessor(biases: [([3, 4], -5)]), [0, 0, 0, 0, 0]) == [0, 0, 0, 0, -5])
        #expect(throws: DecodingError.invalidParameter(name: "biases[0].tokens", message: "a biased sequence needs at least one token")) {
            try SequenceBiasProcessor(biases: [([], 1)])
        }
    }

    @Test func badWordsBanTheLastTokenAfterTheRestOfTheSequence() throws {
        let bad = try BadWordsProcessor(sequences: [[0], [3, 2], [1, 3, 4], [2, 1]])
        // After [1, 3]: [0] always, [3, 2] (ends with 3), [1, 3, 4] (ends with 1, 3); not [2, 1].
        #expect(bad.bannedTokens(history: [1, 3]) == [0, 2, 4])
        #expect(bad.bannedTokens(history: [1, 3, 2]) == [0, 1])
        #expect(run(bad, [-1, -1, -1, -1, -1]) == [-.infinity, -1, -.infinity, -1, -.infinity])
        #expect(throws: DecodingError.self) { try BadWordsProcessor(sequences: [[1], []]) }
    }

    @Test func noRepeatNGramBansWhatFollowedTheLastNMinusOneTokensBefore() throws {
        let two = try NoRepeatNGramProcessor(size: 2)
        #expect(two.bannedTokens(history: [1, 2, 1]) == [2])
        #expect(two.bannedTokens(history: [1, 2, 1, 3, 1]) == [2, 3])
        #expect(try NoRepeatNGramProcessor(size: 1).bannedTokens(history: [4, 0, 4]) == [0, 4])
        #expect(try NoRepeatNGramProcessor(size: 3).bannedTokens(history: [1, 2]) == [])
    }

    @Test func minNewTokensBansTheDecodesEndTokensUntilEnoughWereGenerated() throws {
        let min2 = try MinNewTokensProcessor(minNewTokens: 2)
        let row: [Float] = [-1, -1, -1, -1, -1]
        #expect(run(min2, row) == [-1, -1, -1, -1, -.infinity])
        #expect(run(min2, row, accepting: [0]) == [-1, -1, -1, -1, -.infinity])
        #expect(run(min2, row, accepting: [0, 1]) == row)
        // Explicit end tokens replace the decode's.
        #expect(run(try MinNewTokensProcessor(minNewTokens: 1, endTokens: [2]), row) == [-1, -1, -.infinity, -1, -1])
    }

    @Test func suppressedTokensAreAlwaysBanned() {
        let suppress = SuppressTokensProcessor(tokens: [1, 3])
        #expect(run(suppress, [-1, -1, -1, -1, -1], accepting: [0, 0]) == [-1, -.infinity, -1, -.infinity, -1])
    }

    @Test func aForkDoesNotSeeItsSiblingsTokens() throws {
        var parent = LogitProcessorChain([try PresenceFrequencyPenaltyProcessor(frequency: 1), try MinNewTokensProcessor(minNewTokens: 2)],
                                         start: start)
        let left = parent.accepting(0)
        parent.accept(2)
        parent.accept(2)
        var row: [Float] = [0, 0, 0, 0, 0]
        left.process(&row, history: start.prompt + [0])
        #expect(row == [-1, 0, 0, 0, -.infinity])
        row = [0, 0, 0, 0, 0]
        parent.process(&row, history: start.prompt + [2, 2])
        #expect(row == [0, 0, -2, 0, 0])
    }
}
