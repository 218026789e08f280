import Foundation
import Sequitur
import Testing

/// The default model with its real tokenizer as vocabulary and its chat-template renderer, loaded once per test
/// process for the conversation and chat tests. `LlamaModel` is used from one thread at a time, so tests go
/// through `with`, which serialises them.
enum ConversationModel {
    struct Loaded {
        let model: LlamaModel
        let tokenizer: BPETokenizer
        let renderer: ChatTemplateConversationRenderer
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: Loaded?   // guarded by `lock`

    @discardableResult
    static func with<T>(_ body: (Loaded) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if loaded == nil {
            let url: URL
            do {
                url = try ModelLocator.resolve(nil)
            } catch {
                Issue.record("the default model is required here (scripts/bootstrap fetches it): \(error)")
                throw error
            }
            let file = try GGUFFile(contentsOf: url)
            let tokenizer = try BPETokenizer(gguf: file)
            loaded = Loaded(model: try LlamaModel(file: file, backend: CPUBackend(threads: 2), vocabulary: tokenizer),
                            tokenizer: tokenizer,
                            renderer: try ChatTemplateConversationRenderer(gguf: file, tokenizer: tokenizer))
        }
        return try body(loaded!)
    }
}

/// `Tests/Fixtures/conversations/conversations.json` (scripts/reference/conversation_scores.py): transformers'
/// float32 per-turn log-probs of short conversations, selected with loss masks.
struct ConversationFixture: Decodable, CustomTestStringConvertible {
    struct Turn: Decodable {
        let messageIndex: Int
        let tokenStart: Int
        let tokenEndWithEndOfTurn: Int
        let tokenEndWithoutEndOfTurn: Int
        /// Log-probs of the tokens `tokenStart ..< tokenEndWithEndOfTurn`.
        let tokenLogprobs: [Double]
        let logprobWithEndOfTurn: Double
        let logprobWithoutEndOfTurn: Double
    }

    let name: String
    let messages: [ChatMessage]
    let text: String
    let tokenIds: [TokenID]
    let turns: [Turn]
    let totalWithEndOfTurn: Double
    let totalWithoutEndOfTurn: Double

    var testDescription: String { name }

    static let all: [ConversationFixture] = {
        struct File: Decodable { let conversations: [ConversationFixture] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/conversations/conversations.json")
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(File.self, from: Data(contentsOf: url)).conversations
        } catch {
            Issue.record("cannot read conversation fixtures at \(url.path): \(error)")
            return []
        }
    }()
}
