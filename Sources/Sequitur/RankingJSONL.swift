import Foundation
import SequiturCore
import SequiturScoring

/// One multiple-choice question of `sequitur rank --input`, split into one scoring request per choice.
public struct RankingQuestion {
    public var context: String
    public var choices: [String]
    /// The index of the right choice, when the file gives one.
    public var label: Int?
    /// `requests[i]` scores `choices[i]` after the context.
    public var requests: [ScoringRequest]
}

/// `sequitur rank --input`'s line format: `{"id", "context", "choices": [two or more strings], "label"?}`.
public enum RankingInput {
    /// One JSONL object as a question, checked as `score` checks its lines: field types (a label of `true` or
    /// `1.0` is no index), the label's range, and every choice's tokens against the model, so that the whole
    /// file is known good before the first result is written.
    public static func parse(_ o: [String: Any], ranker: MultipleChoiceRanker, delimiter: String,
                             model: any LanguageModel) throws -> (id: String, request: RankingQuestion) {
        let id = try JSONLFieldReader.id(o)
        guard let context = o["context"] as? String else {
            throw JSONLFieldError(field: "context", problem: o["context"] == nil ? "missing" : "expected a string")
        }
        guard let list = o["choices"] as? [Any], list.count >= 2 else {
            throw JSONLFieldError(field: "choices", problem: "expected a list of at least two strings")
        }
        let choices = try list.enumerated().map { i, element in
            guard let text = element as? String else {
                throw JSONLFieldError(field: "choices[\(i)]", problem: "expected a string")
            }
            return text
        }
        var label: Int?
        if let raw = o["label"], !(raw is NSNull) {
            guard let n = JSONLFieldReader.integer(raw), choices.indices.contains(n) else {
                throw JSONLFieldError(field: "label", problem: "expected a choice index, an integer in 0..<\(choices.count)")
            }
            label = n
        }
        let requests = try ranker.requests(context: context, choices: choices, delimiter: delimiter)
        for (i, request) in requests.enumerated() {
            do { try ScoringInput.check(request, model: model, where: "choices[\(i)]") } catch let error as JSONLFieldError {
                throw JSONLFieldError(field: "choices[\(i)]", problem: "\(error.field): \(error.problem)")
            }
        }
        return (id, RankingQuestion(context: context, choices: choices, label: label, requests: requests))
    }
}
