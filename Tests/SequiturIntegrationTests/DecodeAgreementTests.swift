import Foundation
import Sequitur
import SequiturDiagnostics
import Testing

/// Decoding token by token and scoring the whole sequence in one pass must agree, and the synthetic
/// SmolLM2-shaped model the GPU benchmarks use must have the real model's shape. (Speed is measured by
/// `sequitur bench`, never asserted here.)
@Suite(.serialized, .enabled(if: SharedDefaultModel.shouldRun))
struct DecodeAgreementTests {
    /// Prefill of 512 tokens, then 128 greedy decode steps at batch 1: each greedy token and its log-prob must be
    /// bitwise the argmax a single scoring pass over the whole sequence finds at that position.
    @Test func greedyStepsAreTheArgmaxesOfOnePassOverTheWholeSequence() throws {
        let text = try #require(LogProbFixture.all.first { $0.name == "long_passage" }).tokenIds
        let prompt = Array(text.prefix(512))
        try SharedDefaultModel.with { model in
            let state = model.makeState()
            var last = try #require(try model.extend([ExtensionRequest(state: state, tokens: prompt)])[0].last)
            var generated: [TokenID] = [], greedyLogProbs: [Float] = []
            let steps = 128
            for _ in 0..<steps {
                generated.append(last.argmax)
                greedyLogProbs.append(last.argmaxLogProb)
                last = try #require(try model.extend([ExtensionRequest(state: state, tokens: [last.argmax])])[0].last)
            }
            let check = model.makeState()
            let whole = prompt + generated
            let queries: [PositionQuery?] = whole.indices.map { $0 >= prompt.count - 1 && $0 < whole.count - 1 ? .argmax : nil }
            let scored = try model.extend([ExtensionRequest(state: check, tokens: whole, queries: queries)])[0]
            for i in 0..<(steps - 1) {
                let a = try #require(scored.answers[prompt.count - 1 + i])
                #expect(a.argmax == generated[i] && a.argmaxLogProb == greedyLogProbs[i], "step \(i)")
            }
        }
    }

    /// The random model `bench --synthetic smollm2-135m` writes has the real file's tensors and hyperparameters.
    @Test func syntheticSmolLM2HasTheRealModelsShape() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-synthetic-135m-\(getpid()).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try SyntheticModels.writeLlamaGGUF(.smollm2_135m, seed: 1, to: url)
        let file = try GGUFFile(contentsOf: url)
        let real = try GGUFFile(contentsOf: ModelLocator.resolve(nil))
        #expect(file.tensors.map { [$0.name, "\($0.type)", "\($0.dimensions)"] }
                == real.tensors.map { [$0.name, "\($0.type)", "\($0.dimensions)"] }, "same tensor names, types and shapes")
        #expect(try LlamaHyperparameters(file: file) == LlamaHyperparameters(file: real))
    }
}
