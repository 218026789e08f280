import Foundation
import Sequitur
import SequiturTesting
import Testing

/// A score line is one `Encodable` value written two ways: by `JSONLineEncoder` into JSONL files and by
/// `JSONEncoder` for `score --json`. Both must give the bytes the hand-built objects they replace gave.
@Suite struct ScoreLineTests {
    /// Logprobs whose `Float` → `Double` widening has many digits, and an empty continuation's integral 0.
    static let results = [
        ScoringResult(id: "a", logProb: -2.3173480182886124, tokenLogProbs: [-0.14702655, Float(-0.1)], isGreedy: false),
        ScoringResult(id: "e", logProb: 0, tokenLogProbs: [], isGreedy: true),
    ]

    @Test func jsonlBytesAreTheHandBuiltObjectsBytes() throws {
        for r in Self.results {
            let handBuilt: [String: Any] = ["id": r.id, "logprob": r.logProb, "token_logprobs": r.tokenLogProbs.map(Double.init),
                                            "is_greedy": r.isGreedy, "n_tokens": r.tokenCount]
            #expect(try JSONLineEncoder.encode(ScoreLine(r)) == JSONLineEncoder.encode(handBuilt))
        }
        #expect(String(decoding: try JSONLineEncoder.encode(ScoreLine(Self.results[1])), as: UTF8.self)
                == #"{"id":"e","is_greedy":true,"logprob":0.0,"n_tokens":0,"token_logprobs":[]}"#)
    }

    @Test func prettyJSONIsTheFlatStructsJSON() throws {
        /// The shape `score --json` printed before the line had one type.
        struct Flat: Encodable {
            var id: String
            var logprob: Double
            var token_logprobs: [Float]
            var is_greedy: Bool
            var n_tokens: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        for r in Self.results {
            let flat = Flat(id: r.id, logprob: r.logProb, token_logprobs: r.tokenLogProbs, is_greedy: r.isGreedy, n_tokens: r.tokenCount)
            #expect(try encoder.encode(ScoreLine(r)) == encoder.encode(flat))
        }
    }

    @Test func conversationLineBytesAreTheHandBuiltObjectsBytes() throws {
        let model = PrefixHashLanguageModel(vocabularySize: 60, seed: 3)
        let renderer = ToyConversationRenderer(vocabulary: model.vocabulary, defaultSystemPrompt: " be kind")
        let conversation: [ChatMessage] = [.user(" hi"), .assistant(" hello there"), .user(" and you"), .assistant(" fine")]
        let score = try ConversationScorer().score([conversation], renderer: renderer, model: model)[0]
        let handBuilt: [String: Any] = [
            "id": "c1",
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
        #expect(score.turns.count == 2)
        #expect(try JSONLineEncoder.encode(ConversationScoreLine(id: "c1", score: score)) == JSONLineEncoder.encode(handBuilt))
    }
}
