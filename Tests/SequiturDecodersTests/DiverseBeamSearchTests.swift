import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// Diverse beam search: groups of beams, each a beam search, with transformers 4.x's Hamming diversity penalty
/// between groups at each step.
@Suite struct DiverseBeamSearchTests {
    @Test(arguments: 0..<20)
    func oneGroupIsPlainBeamSearch(seed: Int) throws {
        for numBeams in 1...5 {
            for (lengthPenalty, earlyStopping) in [(1.0, BeamSearchDecoder.EarlyStopping.heuristic), (0, .never), (1, .always)] {
                for maxNewTokens in [3, 7] {
                    let request = DecodingRequest(prompt: [2, 1], stop: StopConditions(maxNewTokens: maxNewTokens))
                    let beamModel = RandomLanguageModel(seed: UInt64(seed) + 1200, vocabularySize: 5 + seed % 6)
                    let diverseModel = RandomLanguageModel(seed: UInt64(seed) + 1200, vocabularySize: 5 + seed % 6)
                    let expected = try BeamSearchDecoder(numBeams: numBeams, lengthPenalty: lengthPenalty, earlyStopping: earlyStopping,
                                                         numReturnSequences: numBeams).decode(request, model: beamModel)
                    // The penalty has no earlier group to count with one group.
                    let got = try DiverseBeamSearchDecoder(numBeams: numBeams, numBeamGroups: 1, diversityPenalty: 3,
                                                           lengthPenalty: lengthPenalty, earlyStopping: earlyStopping,
                                                           numReturnSequences: numBeams).decode(request, model: diverseModel)
                    #expect(got.hypotheses == expected.hypotheses, "seed \(seed) k \(numBeams)")
                    #expect(diverseModel.extensionLog == beamModel.extensionLog, "seed \(seed) k \(numBeams)")
                }
            }
        }
    }

    @Test func oneGroupWithProcessorsIsPlainBeamSearch() throws {
        let processors: [any LogitProcessor] = [try BadWordsProcessor(sequences: [[1], [3, 0]]), try LogitBiasProcessor(bias: [2: -1])]
        for seed in 0..<10 {
            let request = DecodingRequest(prompt: [4], stop: StopConditions(maxNewTokens: 6), processors: processors)
            let model = RandomLanguageModel(seed: UInt64(seed) + 80, vocabularySize: 9)
            let expected = try BeamSearchDecoder(numBeams: 3, numReturnSequences: 3).decode(request, model: model)
            let got = try DiverseBeamSearchDecoder(numBeams: 3, numBeamGroups: 1, numReturnSequences: 3).decode(request, model: model)
            #expect(got.hypotheses == expected.hypotheses)
        }
    }

    /// Each extend after the prefill, split by group: with no end token every group keeps all its beams to the
    /// limit, so each call holds `groupSize` requests per group, in group order.
    static func appendedByGroup(_ model: RandomLanguageModel, groups: Int) -> [[[TokenID]]] {
        model.extensionLog.dropFirst().map { call in
            let size = call.count / groups
            return (0..<groups).map { g in call[(g * size)..<((g + 1) * size)].map { $0.appended[0] } }
        }
    }

    @Test(arguments: [(4, 2), (4, 4), (6, 3), (6, 2)])
    func aHugePenaltyKeepsEachGroupOffTheTokensEarlierGroupsTook(numBeams: Int, numBeamGroups: Int) throws {
        var overlapsWithoutPenalty = 0
        for seed in 0..<15 {
            let request = DecodingRequest(prompt: [1, 5], stop: StopConditions(maxNewTokens: 6, stopOnEndToken: false))
            for penalty in [1e4, 0] {
                let model = RandomLanguageModel(seed: UInt64(seed) + 300, vocabularySize: 12)
                let decoder = try DiverseBeamSearchDecoder(numBeams: numBeams, numBeamGroups: numBeamGroups,
                                                           diversityPenalty: penalty, numReturnSequences: numBeams)
                _ = try decoder.decode(request, model: model)
                #expect(model.extensionLog.dropFirst().allSatisfy { $0.count == numBeams })
                for step in Self.appendedByGroup(model, groups: numBeamGroups) {
                    for g in 1..<numBeamGroups {
                        let earlier = Set(step[..<g].joined())
                        let overlap = step[g].contains { earlier.contains($0) }
                        if penalty > 0 { #expect(!overlap, "seed \(seed) group \(g): \(step)") }
                        if overlap { overlapsWithoutPenalty += 1 }
                    }
                }
            }
        }
        // Without a penalty every group is the same beam search, so groups do repeat each other's tokens.
        #expect(overlapsWithoutPenalty > 0)
    }

    @Test(arguments: 0..<10)
    func withoutPenaltyEveryGroupFindsTheSameHypotheses(seed: Int) throws {
        let model = RandomLanguageModel(seed: UInt64(seed) + 900, vocabularySize: 8)
        let request = DecodingRequest(prompt: [3], stop: StopConditions(maxNewTokens: 6))
        let groups = try DiverseBeamSearchDecoder(numBeams: 6, numBeamGroups: 3, diversityPenalty: 0, numReturnSequences: 6)
            .decode(request, model: model).hypotheses
        let single = try DiverseBeamSearchDecoder(numBeams: 2, numBeamGroups: 1, diversityPenalty: 0, numReturnSequences: 2)
            .decode(request, model: RandomLanguageModel(seed: UInt64(seed) + 900, vocabularySize: 8)).hypotheses
        // Three identical groups: each hypothesis three times, merged best first.
        #expect(groups == single.flatMap { [$0, $0, $0] })
    }

    @Test(arguments: 0..<10)
    func thePenaltyIsChargedOncePerEarlierBeamThatTookTheToken(seed: Int) throws {
        // Two groups of one beam, two new tokens, no end token. Group 0 takes the best first token t0 (a beam);
        // group 1 ranks t0 lowered by λ. With λ below the gap to the runner-up it still takes t0, paying λ.
        let model = RandomLanguageModel(seed: UInt64(seed) + 40, vocabularySize: 6)
        let row = model.logProbs(after: [2])
        let order = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
        let gap = Double(row[order[0]] - row[order[1]])
        let stop = StopConditions(maxNewTokens: 1, stopOnEndToken: false)
        for (lambda, secondFirst) in [(gap / 2, order[0]), (gap + 1, order[1])] {
            let result = try DiverseBeamSearchDecoder(numBeams: 2, numBeamGroups: 2, diversityPenalty: lambda, lengthPenalty: 0,
                                                      numReturnSequences: 2)
                .decode(DecodingRequest(prompt: [2], stop: stop), model: RandomLanguageModel(seed: UInt64(seed) + 40, vocabularySize: 6))
            let first = result.hypotheses.first { $0.tokens == [TokenID(order[0])] && $0.score == Double(row[order[0]]) }
            let second = try #require(result.hypotheses.first { $0 != first })
            #expect(first != nil)
            #expect(second.tokens == [TokenID(secondFirst)])
            // The score carries the penalty, the log-probs stay the model's.
            let charged = secondFirst == order[0] ? Float(lambda) : 0
            #expect(second.score == Double(row[secondFirst] - charged))
            #expect(second.tokenLogProbs == [row[secondFirst]])
        }
    }

    @Test func topKRowsRankAsFullRowsDo() throws {
        // A processor that needs full rows but changes nothing: the top-k path must choose the same.
        struct Identity: LogitProcessor { func process(_ logProbs: inout [Float], history: [TokenID]) {} }
        for seed in 0..<10 {
            let request = DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 6))
            let decoder = try DiverseBeamSearchDecoder(numBeams: 6, numBeamGroups: 3, diversityPenalty: 0.7, numReturnSequences: 6)
            let topK = try decoder.decode(request, model: RandomLanguageModel(seed: UInt64(seed), vocabularySize: 10))
            var full = request
            full.processors = [Identity()]
            let fullRow = try decoder.decode(full, model: RandomLanguageModel(seed: UInt64(seed), vocabularySize: 10))
            #expect(topK.hypotheses == fullRow.hypotheses)
        }
    }

    @Test func parametersAreChecked() throws {
        #expect(throws: DecodingError.self) { try DiverseBeamSearchDecoder(numBeams: 4, numBeamGroups: 3) }
        #expect(throws: DecodingError.self) { try DiverseBeamSearchDecoder(numBeams: 4, numBeamGroups: 0) }
        #expect(throws: DecodingError.self) { try DiverseBeamSearchDecoder(diversityPenalty: -1) }
        #expect(throws: DecodingError.self) { try DiverseBeamSearchDecoder(numBeams: 2, numReturnSequences: 3) }
        let configured = try DiverseBeamSearchDecoder(configuration: DecoderConfiguration(
            name: DiverseBeamSearchDecoder.registryName, parameters: ["numBeams": 6, "numBeamGroups": 3, "diversityPenalty": 1.5]))
        #expect(configured.groupSize == 2 && configured.diversityPenalty == 1.5 && configured.lengthPenalty == 1)
    }
}
