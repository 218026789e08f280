import Foundation
import Sequitur
import Testing

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
