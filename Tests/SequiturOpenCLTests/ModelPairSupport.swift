import Foundation
import Sequitur
import SequiturDiagnostics
import SequiturOpenCL
import Testing

/// One model loaded twice from the same file: on the CPU reference backend and on the OpenCL backend.
struct ModelPair {
    let cpu: LlamaModel
    let opencl: LlamaModel

    init(file: GGUFFile, vocabulary: (GGUFFile) throws -> any Vocabulary) throws {
        cpu = try LlamaModel(file: file, backend: CPUBackend(threads: 2), vocabulary: vocabulary(file))
        opencl = try LlamaModel(file: file, backend: OpenCLBackend(), vocabulary: vocabulary(file))
    }

    /// Both models, CPU first, for tests that run the same thing on each and compare.
    var both: [LlamaModel] { [cpu, opencl] }
}

/// The real default model (SmolLM2-135M-Instruct Q4_1) on both backends, loaded once per test process.
///
/// `LlamaModel` is used from one thread at a time, so tests go through `with`, which serialises them.
enum DefaultModelPair {
    /// Run when OpenCL and the model are present; under CI always, so a missing model fails instead of skipping.
    static var shouldRun: Bool {
        openCLTestsEnabled && (FileManager.default.fileExists(atPath: ModelLocator.defaultModelURL.path)
            || ProcessInfo.processInfo.environment["CI"] != nil)
    }

    private static let loaded = LoadedOnce<(pair: ModelPair, tokenizer: BPETokenizer)> {
        // A missing model fails the test with ModelLocator's error, which says how to fetch it.
        let file = try GGUFFile(contentsOf: ModelLocator.resolve(nil))
        let tokenizer = try BPETokenizer(gguf: file)
        return (try ModelPair(file: file) { _ in tokenizer }, tokenizer)
    }

    static func with<T>(_ body: (ModelPair, BPETokenizer) throws -> T) throws -> T {
        try loaded.with { try body($0.pair, $0.tokenizer) }
    }
}

/// The tiny random llama of `SequiturTesting` (Q8_0, Q4_1 and F32 weights, vocabulary 283) on both backends:
/// no file needed, so these checks run wherever OpenCL does.
enum TinyModelPair {
    static func make(seed: UInt64 = 41) throws -> ModelPair {
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: seed))
        return try ModelPair(file: file) { file in
            NumberedVocabulary(count: try LlamaHyperparameters(file: file).vocabularySize)
        }
    }
}

/// A vocabulary of anonymous tokens (`<17>`), with token 2 as the end token, for models without a tokenizer.
final class NumberedVocabulary: Vocabulary {
    let count: Int
    let endTokens: Set<TokenID> = [2]
    let beginToken: TokenID? = 1
    init(count: Int) { self.count = count }
    func bytes(of token: TokenID) -> [UInt8] { Array("<\(token)>".utf8) }
}

/// Largest |a − b| over two equally long lists of log-probs (infinity when the lengths differ or a value is NaN).
func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { worst, pair in
        let d = abs(pair.0 - pair.1)
        return d.isNaN ? .infinity : max(worst, d)
    }
}

/// Whether two search certificates say the same thing: the same kind after the same number of expansions, with
/// bounds within `tolerance` (they are sums of log-probs, which differ across backends in the last bits).
func sameCertificate(_ a: SearchCertificate?, _ b: SearchCertificate?, tolerance: Double) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case let (.provenOptimal(x)?, .provenOptimal(y)?): return x == y
    case let (.budgetExhausted(x, bestX, boundX, _)?, .budgetExhausted(y, bestY, boundY, _)?):
        let bestAgrees = bestX == nil ? bestY == nil : bestY.map { abs($0 - bestX!) <= tolerance } ?? false
        return x == y && bestAgrees && abs(boundX - boundY) <= tolerance
    default: return false
    }
}

/// Scores every request alone and all of them in one batch with `scorer`, and expects each request's factors,
/// total and greedy flag to be bitwise the same: what `LanguageModel.extend` promises whatever the backend.
func expectBatchInvariance(model: any LanguageModel, scorer: any Scorer, requests: [ScoringRequest],
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let together = try scorer.score(requests, model: model)
    try #require(together.map(\.id) == requests.map(\.id), sourceLocation: sourceLocation)
    for (request, batched) in zip(requests, together) {
        let alone = try scorer.score([request], model: model)[0]
        #expect(alone.tokenLogProbs.map(\.bitPattern) == batched.tokenLogProbs.map(\.bitPattern)
                    && alone.logProb.bitPattern == batched.logProb.bitPattern && alone.isGreedy == batched.isGreedy,
                "\(scorer.name): request \(request.id) alone \(alone.tokenLogProbs) vs in a batch of \(requests.count) \(batched.tokenLogProbs)",
                sourceLocation: sourceLocation)
    }
}
