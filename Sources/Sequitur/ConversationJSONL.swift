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

    /// The output line of one scored conversation.
    public static func line(id: String, score: ConversationScore) -> [String: Any] {
        [
            "id": id,
            "logprob": score.totalLogProb,
            "n_tokens": score.scoredTokenCount,
            "turns": score.turns.map { turn -> [String: Any] in
                [
                    "message_index": turn.messageIndex,
                    "logprob": turn.logProb,
                    "token_logprobs": turn.tokenLogProbs.map(Double.init),
                    "token_span": [turn.tokenRange.lowerBound, turn.tokenRange.upperBound],
                    "n_tokens": turn.tokens.count,
                    "is_greedy": turn.isGreedy,
                ]
            },
        ]
    }
}
