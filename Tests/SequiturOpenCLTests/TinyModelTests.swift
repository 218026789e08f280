import Sequitur
import SequiturDiagnostics
import SequiturOpenCL
import Testing

/// The tiny random llama (every weight type the default model uses, awkward sizes) through `LlamaModel` on
/// OpenCL against the CPU backend. Needs no model file, so it runs wherever an OpenCL device does.
@Suite(.serialized, .enabled(if: openCLTestsEnabled, "no OpenCL platform (install ocl-icd-opencl-dev opencl-headers pocl-opencl-icd)"))
struct TinyModelTests {
    let pair: ModelPair
    init() throws { pair = try TinyModelPair.make() }

    /// Random token ids of the tiny vocabulary, never the end token (so decoders run to their limit).
    static func tokens(_ count: Int, seed: UInt64) -> [TokenID] {
        var random = SeededRandomNumberGenerator(seed: seed)
        return (0..<count).map { _ in TokenID(Int.random(in: 3..<SyntheticLlamaShape.tiny.vocabularySize, using: &random)) }
    }

    @Test("full log-prob rows of a prefill and of decode steps agree with the CPU backend")
    func fullRowsMatchCPU() throws {
        let prompt = Self.tokens(37, seed: 1), more = Self.tokens(3, seed: 2)
        func rows(_ model: LlamaModel) throws -> [PositionLogProbs] {
            let state = model.makeState()
            var answers = try model.extend([ExtensionRequest(state: state, tokens: prompt, queries: prompt.map { _ in .full })])[0].answers
            for token in more {
                answers += try model.extend([ExtensionRequest(state: state, tokens: [token], lastQuery: .full)])[0].answers
            }
            return answers.map { $0! }
        }
        let cpu = try rows(pair.cpu), opencl = try rows(pair.opencl)
        let worst = zip(cpu, opencl).map { maxAbsoluteDifference($0.fullRow, $1.fullRow) }.max()!
        print("tiny model, OpenCL vs CPU: max |Δ log-prob| \(worst) over \(cpu.count) full rows")
        #expect(worst <= 1e-4)
        #expect(opencl.map(\.argmax) == cpu.map(\.argmax))
    }

    @Test("scores do not depend on the batch, with every scorer and mixed-length requests")
    func scoresDoNotDependOnTheBatch() throws {
        var requests: [ScoringRequest] = []
        for i in 0..<9 {
            let context = Self.tokens([1, 2, 7, 19, 33, 5, 1, 12, 40][i], seed: UInt64(10 + i))
            requests.append(ScoringRequest(id: "r\(i)", context: context, continuation: Self.tokens([1, 4, 0, 13, 2, 1, 7, 3, 1][i], seed: UInt64(30 + i))))
        }
        requests.append(ScoringRequest(id: "shared", context: requests[3].context, continuation: Self.tokens(5, seed: 50)))
        requests.append(ScoringRequest(id: "prefix", context: Array(requests[4].context.prefix(9)), continuation: Self.tokens(2, seed: 51)))
        for strategy in ScorerStrategy.allCases {
            try expectBatchInvariance(model: pair.opencl, scorer: makeScorer(strategy, batchSize: requests.count), requests: requests)
        }
        // And the same numbers as the CPU backend, to the kernels' tolerance.
        let cpu = try makeScorer(.direct).score(requests, model: pair.cpu), opencl = try makeScorer(.direct).score(requests, model: pair.opencl)
        for (a, b) in zip(cpu, opencl) {
            #expect(maxAbsoluteDifference(a.tokenLogProbs, b.tokenLogProbs) <= 1e-4, "request \(a.id)")
            #expect(a.isGreedy == b.isGreedy, "request \(a.id)")
        }
    }

    @Test("greedy, beam, exhaustive and seeded sampling decode the same tokens as on the CPU")
    func decodersAgreeWithCPU() throws {
        let decoders: [any Decoder] = [
            GreedyDecoder(), try BeamSearchDecoder(numBeams: 4, numReturnSequences: 3),
            try ExhaustiveDecoder(numReturnSequences: 2, maxExpansions: 40),
            try SamplingDecoder(temperature: 1.1, topK: 0, topP: 0.9, seed: 5),
        ]
        for decoder in decoders {
            for seed in [UInt64(60), 61] {
                let request = DecodingRequest(prompt: Self.tokens(Int(seed) - 55, seed: seed), stop: StopConditions(maxNewTokens: 6))
                let cpu = try decoder.decode(request, model: pair.cpu), opencl = try decoder.decode(request, model: pair.opencl)
                #expect(!cpu.hypotheses.isEmpty, "\(decoder.name): no hypotheses")
                #expect(opencl.hypotheses.map(\.tokens) == cpu.hypotheses.map(\.tokens), "\(decoder.name), prompt seed \(seed)")
                #expect(sameCertificate(opencl.certificate, cpu.certificate, tolerance: 1e-4), "\(decoder.name) certificate")
            }
        }
    }

    @Test("activations that overflow are named by layer and position on OpenCL as on the CPU")
    func overflowIsLocatedOnBothBackends() throws {
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 41, patching: [
            LlamaTensorName.block(1, .attentionNorm): .values { values, _ in for i in values.indices { values[i] = 3e38 } },
        ]))
        let overflowing = try ModelPair(file: file) { NumberedVocabulary(count: try LlamaHyperparameters(file: $0).vocabularySize) }
        for model in overflowing.both {
            #expect(throws: LanguageModelError.nonFiniteActivations(stage: "layer 1 (attention)", request: 0, position: 0)) {
                try model.extend([ExtensionRequest(state: model.makeState(), tokens: Self.tokens(5, seed: 3))])
            }
        }
    }
}
