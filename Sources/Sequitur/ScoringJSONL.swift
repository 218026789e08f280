import Foundation
import SequiturCore
import SequiturScoring

/// The scores of one span of tokens, written with the same four fields wherever a span is scored: a request's
/// continuation (`ScoreLine`) and each assistant turn of a conversation (`ConversationScoreLine.Turn`). Encoded
/// into its owner's object rather than nested, so those lines stay flat.
public struct TokenScores: Encodable, Equatable {
    public var logprob: Double
    public var token_logprobs: [Float]
    public var is_greedy: Bool
    public var n_tokens: Int

    public init(logprob: Double, token_logprobs: [Float], is_greedy: Bool, n_tokens: Int) {
        self.logprob = logprob
        self.token_logprobs = token_logprobs
        self.is_greedy = is_greedy
        self.n_tokens = n_tokens
    }

    public init(_ r: ScoringResult) {
        self.init(logprob: r.logProb, token_logprobs: r.tokenLogProbs, is_greedy: r.isGreedy, n_tokens: r.tokenCount)
    }
}

/// One output line of `sequitur score`: `{"id", "logprob", "token_logprobs", "is_greedy", "n_tokens"}`, the
/// same value whether it goes to a JSONL file (`JSONLineEncoder`) or to the terminal (`score --json`).
public struct ScoreLine: Encodable, Equatable {
    public var id: String
    public var scores: TokenScores

    public init(_ r: ScoringResult) {
        id = r.id
        scores = TokenScores(r)
    }

    private enum CodingKeys: String, CodingKey { case id }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try scores.encode(to: encoder)
    }
}

/// Reading and checking scoring requests from JSONL objects.
public enum ScoringInput {
    /// One JSONL object as a request: text (split as lm-evaluation-harness does) or token ids, checked.
    public static func parse(_ o: [String: Any], splitter: TextScoringSplitter, model: any LanguageModel) throws -> (id: String, request: ScoringRequest) {
        let id = try JSONLFieldReader.id(o)
        let request: ScoringRequest
        if let contextIDs = try JSONLFieldReader.optionalTokenIDs(o, "context_ids") {
            // Both forms in one line is ambiguous: which one the caller meant cannot be guessed, so neither wins.
            for text in ["context", "continuation"] where o[text] != nil {
                throw JSONLFieldError(field: text, problem: "given together with context_ids; give the text or the token ids, not both")
            }
            guard let continuationIDs = try JSONLFieldReader.optionalTokenIDs(o, "continuation_ids") else {
                throw JSONLFieldError(field: "continuation_ids", problem: "missing (context_ids was given)")
            }
            request = ScoringRequest(id: id, context: contextIDs, continuation: continuationIDs)
        } else {
            guard let context = try JSONLFieldReader.optionalString(o, "context") else {
                throw JSONLFieldError(field: "context", problem: "missing (give context and continuation, or context_ids and continuation_ids)")
            }
            guard let continuation = try JSONLFieldReader.optionalString(o, "continuation") else {
                throw JSONLFieldError(field: "continuation", problem: "missing")
            }
            do {
                request = try splitter.request(id: id, context: context, continuation: continuation)
            } catch {
                throw JSONLFieldError(field: "context", problem: "\(error)")
            }
        }
        try check(request, model: model, where: "request")
        return (id, request)
    }

    /// Token ids in range, a non-empty context, and a length the model accepts: checked before any work so the
    /// error names the line instead of failing a whole batch later.
    public static func check(_ r: ScoringRequest, model: any LanguageModel, where place: String) throws {
        let size = model.vocabulary.count
        for (field, ids) in [("context_ids", r.context), ("continuation_ids", r.continuation)] {
            if let (i, bad) = ids.enumerated().first(where: { $0.element < 0 || Int($0.element) >= size }) {
                throw JSONLFieldError(field: "\(field)[\(i)]", problem: "token id \(bad) is out of range: the vocabulary has \(size) tokens")
            }
        }
        guard !r.context.isEmpty else {
            throw JSONLFieldError(field: "context", problem: "empty: the first continuation token needs at least one context token")
        }
        let length = r.context.count + r.continuation.count
        guard length <= model.contextLength else {
            throw JSONLFieldError(field: "context", problem: "context + continuation is \(length) tokens, longer than the model's context length of \(model.contextLength)")
        }
    }
}
