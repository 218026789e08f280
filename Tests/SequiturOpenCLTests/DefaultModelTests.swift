import Foundation
import Sequitur
import SequiturOpenCL
import Testing

/// The token ids of a committed log-prob fixture (`Tests/Fixtures/logprobs`, made by transformers).
struct FixtureTokens: Decodable, CustomTestStringConvertible {
    let name: String
    let tokenIds: [TokenID]
    enum CodingKeys: String, CodingKey { case name, tokenIds = "token_ids" }
    var testDescription: String { "\(name) (\(tokenIds.count) tokens)" }

    /// The short fixtures (a few dozen tokens at most), so the test stays cheap on PoCL.
    static let short: [FixtureTokens] = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/logprobs")
        let names = ["00_single_token", "01_two_tokens", "02_prose_short", "03_prose_question"]
        do {
            return try names.map {
                try JSONDecoder().decode(FixtureTokens.self, from: Data(contentsOf: directory.appendingPathComponent("\($0).json")))
            }
        } catch {
            Issue.record("cannot read log-prob fixtures in \(directory.path): \(error)")
            return []
        }
    }()
}

/// The default model end to end on OpenCL against the same model on the CPU reference backend.
@Suite(.serialized, .enabled(if: DefaultModelPair.shouldRun, "no OpenCL device or default model not present (set CI to require them)"))
struct DefaultModelTests {
    static let logProbTolerance: Float = 1e-3

    /// Per-token log-probs of a fixture on both backends, with the top-2 to see how close each argmax was.
    @Test(arguments: FixtureTokens.short)
    func perTokenLogProbsMatchCPU(_ fixture: FixtureTokens) throws {
        let ids = fixture.tokenIds
        let queries: [PositionQuery?] = ids.indices.map { i in
            PositionQuery(targets: i + 1 < ids.count ? [ids[i + 1]] : [], topK: 2)
        }
        let (cpu, opencl) = try DefaultModelPair.with { pair, _ in
            let answers = try pair.both.map { model in
                try model.extend([ExtensionRequest(state: model.makeState(), tokens: ids, queries: queries)])[0].answers.map { $0! }
            }
            return (answers[0], answers[1])
        }
        let difference = maxAbsoluteDifference(cpu.flatMap(\.targetLogProbs) + cpu.map(\.argmaxLogProb),
                                               opencl.flatMap(\.targetLogProbs) + opencl.map(\.argmaxLogProb))
        print("OpenCL vs CPU on \(fixture.name): max |Δ log-prob| \(difference) over \(ids.count) positions")
        #expect(difference <= Self.logProbTolerance, "\(fixture.name): max |Δ log-prob| \(difference)")
        for i in ids.indices where cpu[i].topK[0].logProb - cpu[i].topK[1].logProb > 2 * Self.logProbTolerance {
            #expect(opencl[i].argmax == cpu[i].argmax, "\(fixture.name): argmax after position \(i)")
        }
    }

    /// Short prompts (a plain one and a chat turn), so decoding stays cheap on PoCL.
    static let prompts = [
        "The capital of France is",
        "<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n",
    ]

    @Test("greedy, beam (k = 4), exhaustive and seeded sampling choose the same tokens as on the CPU",
          arguments: [
            (DecoderConfiguration(name: "greedy"), 6),
            (DecoderConfiguration(name: "beam", parameters: ["numBeams": 4, "numReturnSequences": 2]), 4),
            (DecoderConfiguration(name: "exhaustive", parameters: ["numReturnSequences": 2, "maxExpansions": 8]), 3),
            (DecoderConfiguration(name: "sampling", parameters: ["temperature": 0.9, "topK": 40, "topP": 0.95, "seed": 20_261_123]), 6),
          ])
    func decodersAgreeWithCPU(_ configuration: DecoderConfiguration, _ maxNewTokens: Int) throws {
        let decoder = try DecoderRegistry.standard.make(configuration)
        let name = configuration.name
        try DefaultModelPair.with { pair, tokenizer in
            for prompt in Self.prompts {
                let request = DecodingRequest(prompt: tokenizer.encode(prompt), stop: StopConditions(maxNewTokens: maxNewTokens))
                let cpu = try decoder.decode(request, model: pair.cpu)
                let opencl = try decoder.decode(request, model: pair.opencl)
                #expect(!cpu.hypotheses.isEmpty && cpu.hypotheses.allSatisfy { !$0.tokens.isEmpty },
                        "\(name): CPU returned \(cpu.hypotheses.map(\.tokens))")
                #expect(opencl.hypotheses.map(\.tokens) == cpu.hypotheses.map(\.tokens),
                        "\(name) on \(prompt.debugDescription): OpenCL \(opencl.hypotheses.map(\.tokens)) vs CPU \(cpu.hypotheses.map(\.tokens))")
                #expect(opencl.hypotheses.map(\.finishReason) == cpu.hypotheses.map(\.finishReason))
                for (a, b) in zip(opencl.hypotheses, cpu.hypotheses) {
                    #expect(maxAbsoluteDifference(a.tokenLogProbs, b.tokenLogProbs) <= Self.logProbTolerance, "\(name): token log-probs")
                }
                #expect(sameCertificate(opencl.certificate, cpu.certificate, tolerance: Double(Self.logProbTolerance)),
                        "\(name): certificate \(String(describing: opencl.certificate)) vs CPU \(String(describing: cpu.certificate))")
            }
        }
    }

    /// Every scorer gives a request bitwise the same numbers alone as inside a batch of mixed-length requests
    /// (a shared context, a one-token context, lengths 1 to 7). With the GPU's matmul switch point, each pass
    /// alone has at most 8 rows and runs the matrix-vector matmul while the batch runs the tiled one, so this
    /// also proves the two agree bitwise inside the model.
    @Test func scoresDoNotDependOnTheBatch() throws {
        try DefaultModelPair.with { pair, tokenizer in
            let backend = try #require(pair.opencl.backend as? OpenCLBackend)
            let saved = backend.vectorRowLimit
            backend.vectorRowLimit = 8
            defer { backend.vectorRowLimit = saved }
            let ids = tokenizer.encode("The cat sat on the warm mat and watched the rain")
            try #require(ids.count >= 10)
            let requests = [
                ScoringRequest(id: "half", context: Array(ids[..<5]), continuation: Array(ids[5..<7])),
                ScoringRequest(id: "one-token context", context: [ids[0]], continuation: Array(ids[1..<4])),
                ScoringRequest(id: "shared context", context: Array(ids[..<5]), continuation: [ids[9]]),
                ScoringRequest(id: "long", context: Array(ids[2..<8]), continuation: Array(ids[8..<10])),
            ]
            for strategy in ScorerStrategy.allCases {
                try expectBatchInvariance(model: pair.opencl, scorer: makeScorer(strategy, batchSize: requests.count), requests: requests)
            }
        }
    }
}
