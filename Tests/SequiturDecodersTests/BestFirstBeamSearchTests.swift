import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// Best-first beam search must return exactly `BeamSearchDecoder`'s hypotheses (tokens, log-probs, scores,
/// reasons, order) under the same parameters, and extend no more positions.
@Suite struct BestFirstBeamSearchTests {
    /// The configurations compared: the monotone ones, where the finished list also prunes, and the others,
    /// where only the within-step laziness applies.
    static let configurations: [(lengthPenalty: Double, earlyStopping: BeamSearchDecoder.EarlyStopping)] = [
        (0, .heuristic), (0, .never), (-0.5, .heuristic), (1, .never), (1, .heuristic), (1, .always), (0, .always),
    ]

    /// Both decoders on one request; returns (beam's positions, best-first's positions) after checking equality.
    static func compare(seed: UInt64, vocabularySize: Int, numBeams: Int, maxNewTokens: Int, lengthPenalty: Double,
                        earlyStopping: BeamSearchDecoder.EarlyStopping, numReturnSequences: Int? = nil,
                        stop: StopConditions? = nil, processors: [any LogitProcessor] = [],
                        noRepeatNgramSize: Int = 0) throws -> (beam: Int, bestFirst: Int) {
        let returned = numReturnSequences ?? numBeams
        let beam = try BeamSearchDecoder(numBeams: numBeams, lengthPenalty: lengthPenalty, earlyStopping: earlyStopping,
                                         numReturnSequences: returned, noRepeatNgramSize: noRepeatNgramSize)
        let bestFirst = try BestFirstBeamSearchDecoder(numBeams: numBeams, lengthPenalty: lengthPenalty,
                                                       earlyStopping: earlyStopping, numReturnSequences: returned,
                                                       noRepeatNgramSize: noRepeatNgramSize)
        let request = DecodingRequest(prompt: [1, 2], stop: stop ?? StopConditions(maxNewTokens: maxNewTokens),
                                      processors: processors)
        // A fresh model for each decoder, so each one's processedTokenCount counts only its own work.
        let beamModel = RandomLanguageModel(seed: seed, vocabularySize: vocabularySize)
        let bestFirstModel = RandomLanguageModel(seed: seed, vocabularySize: vocabularySize)
        let expected = try beam.decode(request, model: beamModel)
        let got = try bestFirst.decode(request, model: bestFirstModel)
        let label = "seed \(seed) k \(numBeams) len \(maxNewTokens) lp \(lengthPenalty) \(earlyStopping)"
        #expect(got.hypotheses == expected.hypotheses, "\(label)")
        #expect(got.hypotheses.map(\.score) == expected.hypotheses.map(\.score), "\(label)")
        #expect(got.processedTokens == bestFirstModel.processedTokenCount)
        #expect(got.processedTokens <= expected.processedTokens, "\(label)")
        // Every call after the prefill feeds one token to one beam.
        #expect(bestFirstModel.extensionLog.dropFirst().allSatisfy { $0.count == 1 && $0[0].appended.count == 1 })
        return (expected.processedTokens, got.processedTokens)
    }

    @Test(arguments: 0..<7)
    func sameHypothesesAsBeamSearchWithFewerPositions(configuration: Int) throws {
        let (lengthPenalty, earlyStopping) = Self.configurations[configuration]
        var beamTotal = 0, bestFirstTotal = 0
        for seed in 0..<20 {
            for numBeams in 1...5 {
                for maxNewTokens in [2, 5, 9] {
                    let (b, f) = try Self.compare(seed: UInt64(seed) + 3000, vocabularySize: 6 + seed % 5, numBeams: numBeams,
                                                  maxNewTokens: maxNewTokens, lengthPenalty: lengthPenalty,
                                                  earlyStopping: earlyStopping)
                    beamTotal += b
                    bestFirstTotal += f
                }
            }
        }
        // Strictly fewer on average, in every configuration (within-step laziness alone saves some).
        #expect(bestFirstTotal < beamTotal, "lp \(lengthPenalty) \(earlyStopping): \(bestFirstTotal) vs \(beamTotal)")
        print("best-first-beam lp \(lengthPenalty) earlyStopping \(earlyStopping.rawValue): \(bestFirstTotal) positions vs beam's \(beamTotal) (\(100 - 100 * bestFirstTotal / beamTotal)% fewer)")
    }

    @Test(arguments: [0.5, 2, 4, 8])
    func peakedRowsStillMatch(spread: Double) throws {
        // More peaked rows make beams finish early and far apart: the finished list prunes more.
        var beamTotal = 0, bestFirstTotal = 0
        for seed in 0..<20 {
            for numBeams in [2, 4] {
                let beam = try BeamSearchDecoder(numBeams: numBeams, lengthPenalty: 0, numReturnSequences: numBeams)
                let bestFirst = try BestFirstBeamSearchDecoder(numBeams: numBeams, numReturnSequences: numBeams)
                let request = DecodingRequest(prompt: [3], stop: StopConditions(maxNewTokens: 8))
                let m1 = RandomLanguageModel(seed: UInt64(seed) + 70, vocabularySize: 5, spread: Float(spread))
                let m2 = RandomLanguageModel(seed: UInt64(seed) + 70, vocabularySize: 5, spread: Float(spread))
                let expected = try beam.decode(request, model: m1), got = try bestFirst.decode(request, model: m2)
                #expect(got.hypotheses == expected.hypotheses)
                #expect(got.processedTokens <= expected.processedTokens)
                beamTotal += expected.processedTokens
                bestFirstTotal += got.processedTokens
            }
        }
        #expect(bestFirstTotal < beamTotal)
        print("best-first-beam spread \(spread): \(bestFirstTotal) positions vs beam's \(beamTotal)")
    }

    @Test(arguments: 0..<10)
    func banningProcessorsApplyIdentically(seed: Int) throws {
        let badWords = try BadWordsProcessor(sequences: [[0], [2, 3], [1, 1]])
        let minNew = try MinNewTokensProcessor(minNewTokens: 3)
        for numBeams in [2, 3, 5] {
            _ = try Self.compare(seed: UInt64(seed) + 610, vocabularySize: 8, numBeams: numBeams, maxNewTokens: 7,
                                 lengthPenalty: 0, earlyStopping: .heuristic, processors: [badWords, minNew],
                                 noRepeatNgramSize: 2)
            _ = try Self.compare(seed: UInt64(seed) + 610, vocabularySize: 8, numBeams: numBeams, maxNewTokens: 7,
                                 lengthPenalty: 1, earlyStopping: .heuristic, processors: [badWords])
        }
    }

    @Test(arguments: 0..<10)
    func stopStringsAndFewerReturnedSequencesMatch(seed: Int) throws {
        // "b" and "cd" end hypotheses as stop strings; numReturnSequences below the width.
        let stop = StopConditions(maxNewTokens: 8, stopStrings: ["b", "cd"])
        for numBeams in [2, 4] {
            _ = try Self.compare(seed: UInt64(seed) + 820, vocabularySize: 7, numBeams: numBeams, maxNewTokens: 8,
                                 lengthPenalty: 0, earlyStopping: .heuristic, numReturnSequences: 1, stop: stop)
            _ = try Self.compare(seed: UInt64(seed) + 820, vocabularySize: 7, numBeams: numBeams, maxNewTokens: 8,
                                 lengthPenalty: 1, earlyStopping: .never, numReturnSequences: 2, stop: stop)
        }
    }

    @Test func noEndTokenRunsToTheLimitAndStillMatches() throws {
        let stop = StopConditions(maxNewTokens: 6, stopOnEndToken: false)
        for seed in 0..<10 {
            _ = try Self.compare(seed: UInt64(seed) + 40, vocabularySize: 6, numBeams: 3, maxNewTokens: 6,
                                 lengthPenalty: 0, earlyStopping: .heuristic, stop: stop)
        }
    }

    @Test func interruptionReturnsWhatBeamSearchReturns() throws {
        final class StopAfter {
            let after: Int
            var polls = 0
            init(_ after: Int) { self.after = after }
            func poll() -> Bool { polls += 1; return polls >= after }
        }
        for after in 1...4 {
            let stop = StopConditions(maxNewTokens: 12, stopOnEndToken: false)
            let beamStopper = StopAfter(after), bestFirstStopper = StopAfter(after)
            let model = RandomLanguageModel(seed: 5, vocabularySize: 9)
            let expected = try BeamSearchDecoder(numBeams: 3, lengthPenalty: 0, numReturnSequences: 3)
                .decode(DecodingRequest(prompt: [1], stop: stop, shouldStop: beamStopper.poll), model: model)
            let got = try BestFirstBeamSearchDecoder(numBeams: 3, numReturnSequences: 3)
                .decode(DecodingRequest(prompt: [1], stop: stop, shouldStop: bestFirstStopper.poll), model: model)
            #expect(got.hypotheses == expected.hypotheses)
            #expect(got.hypotheses.allSatisfy { $0.finishReason == .interrupted })
        }
    }

    @Test func processorsThatMayRaiseScoresAreRefused() throws {
        let bias = try LogitBiasProcessor(bias: [1: 2])
        let request = DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 4), processors: [bias])
        #expect {
            try BestFirstBeamSearchDecoder(numBeams: 3).decode(request, model: RandomLanguageModel(seed: 1))
        } throws: { error in
            guard case .invalidParameter(name: "processors", _) = error as? DecodingError else { return false }
            return true
        }
    }

    @Test func parametersAreCheckedAsBeamSearchChecksThem() throws {
        #expect(throws: DecodingError.self) { try BestFirstBeamSearchDecoder(numBeams: 0) }
        #expect(throws: DecodingError.self) { try BestFirstBeamSearchDecoder(numBeams: 2, numReturnSequences: 3) }
        #expect(throws: DecodingError.self) { try BestFirstBeamSearchDecoder(lengthPenalty: .nan) }
        let configured = try BestFirstBeamSearchDecoder(configuration: DecoderConfiguration(
            name: BestFirstBeamSearchDecoder.registryName, parameters: ["numBeams": 3, "earlyStopping": "never"]))
        #expect(configured.numBeams == 3 && configured.earlyStopping == .never && configured.lengthPenalty == 0)
        #expect(configured.prunesAgainstFinished)
        #expect(try !BestFirstBeamSearchDecoder(lengthPenalty: 1, earlyStopping: .heuristic).prunesAgainstFinished)
    }
}
