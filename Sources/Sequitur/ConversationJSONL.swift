import Foundation
import SequiturCore
import SequiturScoring

/// `sequitur score --conversations`'s line format. Input: `{"id", "messages": [{"role", "content"}, ...]}`.
/// Output: `{"id", "logprob", "n_tokens", "turns": [{"message_index", "logprob", "token_logprobs",
/// "token_span", "n_tokens", "is_greedy"}]}` where `logprob` is the sum over assistant turns (the SFT
/// objective) and `token_span` is the turn's `[start, end)` in the rendered conversation's tokens.
public enum ConversationInput {
    /// One JSONL object as a conversation laid out for scoring: the messages are checked (an error names the
    /// message index; the job adds the line), rendered, and their assistant spans found.
    public static func parse(_ object: [String: Any], scorer: ConversationScorer, renderer: any ConversationRenderer,
                             model: any LanguageModel) throws -> (id: String, request: ConversationLayout) {
        let id = try JSONLFieldReader.id(object)
        let conversation: Conversation
        do {
            let data = try JSONSerialization.data(withJSONObject: object)
            conversation = try JSONDecoder().decode(Conversation.self, from: data)
        } catch let error as ConversationError {
            throw error
        } catch {
            throw JSONLFieldError(field: "messages", problem: "\(error)")
        }
        try conversation.validate()
        let layout = try scorer.layout(conversation.messages, renderer: renderer)
        guard layout.tokens.count <= model.contextLength else {
            throw JSONLFieldError(field: "messages", problem: "the rendered conversation is \(layout.tokens.count) tokens, longer than the model's context length of \(model.contextLength)")
        }
        return (id, layout)
    }
}

/// The output line of one scored conversation (the format is in `ConversationInput`'s comment).
public struct ConversationScoreLine: Encodable, Equatable {
    public var id: String
    /// The sum over the assistant turns: the SFT objective.
    public var logprob: Double
    public var n_tokens: Int
    public var turns: [Turn]

    /// One assistant turn: where it is in the messages and the rendered tokens, and its scores.
    public struct Turn: Encodable, Equatable {
        public var message_index: Int
        /// `[start, end)` in the rendered conversation's tokens.
        public var token_span: [Int]
        public var scores: TokenScores

        private enum CodingKeys: String, CodingKey { case message_index, token_span }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message_index, forKey: .message_index)
            try container.encode(token_span, forKey: .token_span)
            try scores.encode(to: encoder)
        }
    }

    public init(id: String, score: ConversationScore) {
        self.id = id
        logprob = score.totalLogProb
        n_tokens = score.scoredTokenCount
        turns = score.turns.map { turn in
            Turn(message_index: turn.messageIndex, token_span: [turn.tokenRange.lowerBound, turn.tokenRange.upperBound],
                 scores: TokenScores(logprob: turn.logProb, token_logprobs: turn.tokenLogProbs, is_greedy: turn.isGreedy,
                                     n_tokens: turn.tokens.count))
        }
    }
}
