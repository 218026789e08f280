import Foundation
import Sequitur
import SequiturDiagnostics
import Testing

/// One committed reference fixture (`scripts/reference/logprobs_fixtures.py`): transformers' float32 log-probs
/// of the default model on a text.
struct LogProbFixture: Decodable, CustomTestStringConvertible {
    let name: String
    let text: String
    let tokenIds: [TokenID]
    /// `logprobs[i]` = log Pr(tokenIds[i + 1] | tokenIds[0...i]).
    let logprobs: [Double]
    /// Most likely next token after `tokenIds[0...i]`.
    let argmax: [TokenID]
    /// Log-prob gap between the best and the second-best next token after `tokenIds[0...i]`.
    let margin: [Double]

    enum CodingKeys: String, CodingKey {
        case name, text, tokenIds = "token_ids", logprobs, argmax, margin
    }

    var testDescription: String { "\(name) (\(tokenIds.count) tokens)" }

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/logprobs")
    }

    /// Every fixture, in file order. Loading errors surface as an empty list plus a recorded issue.
    static let all: [LogProbFixture] = {
        do {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") && $0 != "index.json" }.sorted()
            return try files.map {
                try JSONDecoder().decode(LogProbFixture.self, from: Data(contentsOf: directory.appendingPathComponent($0)))
            }
        } catch {
            Issue.record("cannot read log-prob fixtures in \(directory.path): \(error)")
            return []
        }
    }()
}

/// The real default model with its tokenizer and chat-template renderer, loaded once per test process and
/// shared by every test that needs it (loading and uploading weights is most of a short test's cost).
/// `LlamaModel` is used from one thread at a time, so the tests go through `with`, which serialises them.
enum SharedDefaultModel {
    struct Loaded {
        let model: LlamaModel
        let tokenizer: BPETokenizer
        let renderer: ChatTemplateConversationRenderer
    }

    /// Run the model tests when the model is present, and also on CI so that they fail there if it is missing.
    static var shouldRun: Bool {
        FileManager.default.fileExists(atPath: ModelLocator.defaultModelURL.path)
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    private static let loaded = LoadedOnce<Loaded> {
        // A missing model fails the test with ModelLocator's error, which says how to fetch it.
        let file = try GGUFFile(contentsOf: ModelLocator.resolve(nil))
        let tokenizer = try BPETokenizer(gguf: file)
        return Loaded(model: try LlamaModel(file: file, backend: CPUBackend(threads: 2), vocabulary: tokenizer),
                      tokenizer: tokenizer,
                      renderer: try ChatTemplateConversationRenderer(gguf: file, tokenizer: tokenizer))
    }

    /// The model alone.
    static func with<T>(_ body: (LlamaModel) throws -> T) throws -> T {
        try withAll { try body($0.model) }
    }

    /// The model, its tokenizer and its chat-template renderer.
    @discardableResult
    static func withAll<T>(_ body: (Loaded) throws -> T) throws -> T {
        try loaded.with(body)
    }
}
