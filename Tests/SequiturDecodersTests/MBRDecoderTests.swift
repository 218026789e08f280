import Foundation
import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// MBR on a table model whose outputs are "A x" (probability 0.3, the single most likely output) and
/// "B y1", "B y2", "B y3" (0.28, 0.245, 0.175), each followed by <eos>. Under token F1 the B outputs share
/// half their tokens with each other and nothing with "A x", so the true expected utilities are
/// E[u(A x)] = 0.3 and E[u(B y1)] = 0.28 + 0.5 · 0.42 = 0.49: MBR prefers a B output to the most likely one.
@Suite struct MBRDecoderTests {
    let prompt: [TokenID] = [1, 1]
    let ax: [TokenID] = [2, 4, 0]
    let by: [[TokenID]] = [[3, 5, 0], [3, 6, 0], [3, 7, 0]]

    func model() -> TableLanguageModel {
        let p = prompt
        let vocabulary = ToyVocabulary(pieces: ["<eos>", "p", " A", " B", " x", " y1", " y2", " y3"], endTokens: [0])
        return TableLanguageModel(vocabulary: vocabulary, table: [
            p: [2: log(0.3), 3: log(0.7)],
            p + [2]: [4: 0],
            p + [3]: [5: log(0.4), 6: log(0.35), 7: log(0.25)],
            p + [2, 4]: [0: 0], p + [3, 5]: [0: 0], p + [3, 6]: [0: 0], p + [3, 7]: [0: 0],
        ])
    }

    var request: DecodingRequest { DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 3)) }

    /// The outputs each of `decoders` returns on its own: the draws the MBR decoder made.
    func draws(_ decoders: [any Decoder]) throws -> [[TokenID]] {
        try decoders.flatMap { try $0.decode(request, model: model()).hypotheses.map(\.tokens) }
    }

    @Test func beamCandidatesAreRankedByExpectedUtilityOverTheOthers() throws {
        let m = model()
        let beam = try BeamSearchDecoder(numBeams: 4, numReturnSequences: 4).decode(request, model: m)
        #expect(beam.best!.tokens == ax)   // the most likely output
        let result = try MBRDecoder(candidates: .beam, numCandidates: 4, utility: TokenF1Utility()).decode(request, model: m)
        // Each candidate against the three others (not itself): u(A x, ·) = 0, 0, 0, so 0; u(B yi, ·) = 0 (A x)
        // + 0.5 + 0.5, so 1/3. The B outputs tie and go in model-probability order.
        #expect(result.hypotheses.map(\.tokens) == by + [ax])
        let scores = result.hypotheses.map(\.score)
        for (s, expected) in zip(scores, [1.0 / 3, 1.0 / 3, 1.0 / 3, 0]) { #expect(abs(s - expected) < 1e-12) }
        // Log-probs stay the model's.
        #expect(abs(result.best!.logProb - log(0.7 * 0.4)) < 1e-5)
    }

    @Test func sampledCandidatesWinnerIsTheHandComputedExpectedUtilityMaximiser() throws {
        let decoder = try MBRDecoder(numCandidates: 16, utility: TokenF1Utility(), seed: 3)
        let samples = try draws(decoder.candidateDecoders)
        let countA = samples.filter { $0 == ax }.count
        let countB = samples.count - countA
        try #require(countA > 0 && samples.count == 16)
        // Against the 15 other draws: u(A x) = (c_A − 1)/15, u(B yi) = (c_i − 1 + 0.5 · (c_B − c_i))/15.
        var expected: [[TokenID]: Double] = [ax: Double(countA - 1) / 15]
        for b in by where samples.contains(b) {
            let c = samples.filter { $0 == b }.count
            expected[b] = (Double(c - 1) + 0.5 * Double(countB - c)) / 15
        }
        let result = try decoder.decode(request, model: model())
        #expect(result.hypotheses.count == expected.count)   // each distinct sample once
        for h in result.hypotheses { #expect(abs(h.score - expected[h.tokens]!) < 1e-12) }
        let best = expected.max { $0.value != $1.value ? $0.value < $1.value : $0.key.count > $1.key.count }!
        #expect(result.best!.tokens == best.key)
        #expect(result.best!.tokens != ax)
        // The most likely single sample is "A x", which MBR does not pick.
        #expect(result.hypotheses.max { $0.logProb < $1.logProb }!.tokens == ax)
        #expect(zip(result.hypotheses, result.hypotheses.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test func drawSeedsAreTheSeedGeneratorsSuccessiveOutputsCandidatesFirst() throws {
        let decoder = try MBRDecoder(numCandidates: 5, numReferences: 3, temperature: 0.7, seed: 11)
        var rng = SeededRandomNumberGenerator(seed: 11)
        let all = decoder.candidateDecoders + decoder.referenceDecoders!
        #expect(all.count == 8)
        for d in all {
            let s = try #require(d as? SamplingDecoder)
            #expect(s.seed == rng.next())
            #expect(s.temperature == 0.7)
        }
    }

    @Test func sameSeedSameResultOtherSeedsDiffer() throws {
        let a = try MBRDecoder(numCandidates: 8, utility: ChrFUtility(), seed: 5).decode(request, model: model())
        let b = try MBRDecoder(numCandidates: 8, utility: ChrFUtility(), seed: 5).decode(request, model: model())
        #expect(a.hypotheses == b.hypotheses)
        var lists = Set<[[TokenID]]>()
        for seed in 0..<8 {
            let r = try MBRDecoder(numCandidates: 8, utility: ChrFUtility(), seed: UInt64(seed)).decode(request, model: model())
            lists.insert(r.hypotheses.map(\.tokens))
        }
        #expect(lists.count > 1)
    }

    @Test func separateReferencesAreAllCountedIncludingEqualOnes() throws {
        // Beam candidates (all four outputs) against 12 sampled references, none excluded:
        // u(A x) = r_A / 12, u(B yi) = (r_i + 0.5 · (r_B − r_i)) / 12.
        let decoder = try MBRDecoder(candidates: .beam, numCandidates: 4, numReferences: 12,
                                     utility: TokenF1Utility(), seed: 9)
        let references = try draws(decoder.referenceDecoders!)
        let rB = references.filter { $0 != ax }.count
        let result = try decoder.decode(request, model: model())
        #expect(result.hypotheses.count == 4)
        for h in result.hypotheses {
            let r = references.filter { $0 == h.tokens }.count
            let expected = h.tokens == ax ? Double(r) / 12 : (Double(r) + 0.5 * Double(rB - r)) / 12
            #expect(abs(h.score - expected) < 1e-12)
        }
    }

    @Test func expectedUtilitiesExcludeOnlyTheCandidatesOwnDraw() {
        let a = MBRSequence(tokens: [1], text: "a"), b = MBRSequence(tokens: [2], text: "b")
        // Draws a, a, b under exact match: each a has the other a (1) and b (0) → 1/2; b has 0 and 0 → 0.
        let own = MBRDecoder.expectedUtilities(of: [a, a, b], against: nil, utility: ExactMatchUtility())
        #expect(own == [0.5, 0.5, 0])
        // Against separate references a, b, b every one counts: a → 1/3, b → 2/3.
        let separate = MBRDecoder.expectedUtilities(of: [a, b], against: [a, b, b], utility: ExactMatchUtility())
        #expect(separate == [1.0 / 3, 2.0 / 3])
        // A lone candidate with no other draw is compared with itself.
        #expect(MBRDecoder.expectedUtilities(of: [b], against: nil, utility: ExactMatchUtility()) == [1])
    }

    @Test func candidatesFromAnyDecodersTieToTheHigherLogProbThenTheEarlierDraw() throws {
        let m = model()
        func fixed(_ outputs: [[TokenID]]) -> FixedOutputs {
            FixedOutputs(hypotheses: outputs.map { t in
                let logProbs = t.indices.map { m.logProbs(after: prompt + t[..<$0])[Int(t[$0])] }
                return Hypothesis(tokens: t, tokenLogProbs: logProbs, finishReason: .endToken)
            })
        }
        // Drawn as B y3, B y2, A x, B y1, B y3 from two decoders. Under token F1, against the four other draws:
        // B y3 (drawn twice) has B y2, A x, B y1, B y3: (0.5 + 0 + 0.5 + 1)/4 = 1/2; B y2 has B y3, A x, B y1,
        // B y3: (0.5 + 0 + 0.5 + 0.5)/4 = 3/8, and so has B y1, which is more likely and so goes first although
        // drawn later; A x has 0.
        let decoder = try MBRDecoder(candidateDecoders: [fixed([by[2], by[1]]), fixed([ax, by[0], by[2]])],
                                     utility: TokenF1Utility())
        let result = try decoder.decode(request, model: m)
        #expect(result.hypotheses.map(\.tokens) == [by[2], by[0], by[1], ax])
        #expect(abs(result.hypotheses[1].logProb - log(0.7 * 0.4)) < 1e-5)
        for (h, expected) in zip(result.hypotheses, [0.5, 0.375, 0.375, 0]) { #expect(abs(h.score - expected) < 1e-12) }
    }

    @Test func endTokensAreLeftOutOfTheUtilitysTokens() throws {
        // With the end token counted, "A x <eos>" and "B y1 <eos>" would share a token (F1 1/3, not 0).
        let result = try MBRDecoder(candidates: .beam, numCandidates: 4, utility: TokenF1Utility()).decode(request, model: model())
        #expect(result.hypotheses.last!.score == 0)
    }

    @Test func doesNotStreamSharesThePromptAndStopsWhenAsked() throws {
        let m = model()
        var streamed = 0
        var r = request
        r.onToken = { _, _ in streamed += 1; return true }
        let result = try MBRDecoder(numCandidates: 6, seed: 1).decode(r, model: m)
        #expect(streamed == 0)
        // The prompt's first token is computed once; each of the six draws feeds only the last one, then at
        // most three generated tokens (the last of which is not fed).
        #expect(m.extensionLog.filter { $0.first?.prefix.isEmpty == true }.count == 1)
        #expect(result.processedTokens == 1 + 6 * 3)
        var stopped = request
        stopped.shouldStop = { true }
        #expect(try MBRDecoder(numCandidates: 6, seed: 1).decode(stopped, model: model()).hypotheses.count == 1)
    }

    @Test func promptLogProbsAreReturnedWhenAsked() throws {
        var r = request
        r.returnPromptLogProbs = true
        let result = try MBRDecoder(numCandidates: 3, seed: 2).decode(r, model: model())
        #expect(result.promptLogProbs?.count == 1)
    }

    @Test func badParametersAreRefusedByName() throws {
        #expect(throws: DecodingError.invalidParameter(name: "numCandidates", message: "must be in 1...1024, got 0")) {
            try MBRDecoder(numCandidates: 0)
        }
        #expect(throws: DecodingError.invalidParameter(
            name: "numCandidates",
            message: "must be at least 2 when the candidates are their own pseudo-references (numReferences 0), got 1")) {
            try MBRDecoder(numCandidates: 1)
        }
        _ = try MBRDecoder(numCandidates: 1, numReferences: 4)
        #expect(throws: DecodingError.invalidParameter(
            name: "numReferences", message: "must be in 0...1024 (0: the candidates), got -1")) {
            try MBRDecoder(numReferences: -1)
        }
        #expect(throws: DecodingError.invalidParameter(name: "temperature", message: "must be ≥ 0 (0 is greedy), got -1.0")) {
            try MBRDecoder(candidates: .beam, temperature: -1)
        }
        #expect(throws: DecodingError.invalidParameter(
            name: "utility", message: "unknown utility 'rouge'; valid: bleu, chrf, exact, token-f1")) {
            try MBRDecoder(configuration: DecoderConfiguration(name: "mbr", parameters: ["utility": "rouge"]))
        }
        #expect(throws: (any Error).self) {
            try MBRDecoder(configuration: DecoderConfiguration(name: "mbr", parameters: ["candidates": "greedy"]))
        }
    }

    @Test func configurationThroughARegistryUsesRegisteredUtilities() throws {
        var registry = DecoderRegistry.standard
        registry.register(name: MBRDecoder.registryName, summary: "mbr", parameters: MBRDecoder.parameters,
                          capabilities: MBRDecoder.capabilities, factory: MBRDecoder.init(configuration:))
        let d = try registry.make(DecoderConfiguration(
            name: "mbr", parameters: ["candidates": "beam", "numCandidates": 4, "utility": "token-f1"]))
        #expect(d.capabilities == .returnsNBest)
        #expect(try d.decode(request, model: model()).hypotheses.map(\.tokens) == by + [ax])
        #expect(throws: ConfigurationError.invalidValue(path: "decoder.parameters.numCandidates",
                                                        message: "must be in 1...1024, got 5000")) {
            try registry.make(DecoderConfiguration(name: "mbr", parameters: ["numCandidates": 5000]))
        }
        var utilities = MBRUtilityRegistry.standard
        utilities.register(LengthMatch())
        let length = try MBRDecoder(configuration: DecoderConfiguration(name: "mbr", parameters: ["utility": "length"]),
                                    utilities: utilities)
        #expect(length.utility.name == "length")
    }
}

/// A candidate decoder that returns the same hypotheses whatever it is asked.
struct FixedOutputs: Decoder {
    let hypotheses: [Hypothesis]
    var name: String { "fixed" }
    func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        DecodingResult(hypotheses: hypotheses)
    }
}
