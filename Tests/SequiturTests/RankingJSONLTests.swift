import Foundation
import Sequitur
import SequiturTesting
import Testing

/// `sequitur rank --input`'s line format: every field checked as `score` checks its lines, and the whole file
/// checked before the first question is ranked.
@Suite struct RankingJSONLTests {
    /// Words are tokens: "a b c" → [1, 1, 1]; a word's token is its length (at most 40).
    struct WordLengthEncoder: TextEncoder {
        func encode(_ text: String) throws -> [TokenID] {
            text.split(separator: " ").map { TokenID(min($0.count, 40)) }
        }
    }

    let model = PrefixHashLanguageModel(vocabularySize: 50, contextLength: 16, seed: 3)
    var ranker: MultipleChoiceRanker {
        MultipleChoiceRanker(scorer: SharedPrefixScorer(), splitter: TextScoringSplitter(encoder: WordLengthEncoder()))
    }

    func parse(_ json: String) throws -> (id: String, request: RankingQuestion) {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return try RankingInput.parse(object, ranker: ranker, delimiter: " ", model: model)
    }

    func problem(_ json: String) -> String? {
        do {
            _ = try parse(json)
            return nil
        } catch let error as JSONLFieldError {
            return "\(error.field): \(error.problem)"
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func readsAQuestionWithItsLabel() throws {
        let (id, question) = try parse(#"{"id": 3, "context": "ab cde", "choices": ["f", "gh"], "label": 1}"#)
        #expect(id == "3" && question.choices == ["f", "gh"] && question.label == 1)
        #expect(question.requests.map(\.continuation) == [[1], [2]])
        #expect(try parse(#"{"id": "u", "context": "ab", "choices": ["f", "gh"]}"#).request.label == nil)
    }

    @Test func refusesEachBadFieldByName() {
        #expect(problem(#"{"id": 1, "choices": ["a", "b"]}"#) == "context: missing")
        #expect(problem(#"{"id": 1, "context": 5, "choices": ["a", "b"]}"#) == "context: expected a string")
        #expect(problem(#"{"id": 1, "context": "x", "choices": ["a"]}"#) == "choices: expected a list of at least two strings")
        #expect(problem(#"{"id": 1, "context": "x", "choices": ["a", 2]}"#) == "choices[1]: expected a string")
        for label in ["true", "1.0", "2", "-1", "\"0\""] {
            #expect(problem(#"{"id": 1, "context": "x", "choices": ["a", "b"], "label": \#(label)}"#)
                    == "label: expected a choice index, an integer in 0..<2", "\(label)")
        }
        // 15 words of context and a choice: 16 + 1 tokens, beyond the model's 16.
        let long = Array(repeating: "w", count: 16).joined(separator: " ")
        #expect(problem(#"{"id": 1, "context": "\#(long)", "choices": ["a", "b"]}"#)?.hasPrefix("choices[0]: context: context + continuation is 17 tokens") == true)
    }

    @Test func aBadLineAnywhereIsReportedBeforeAnyQuestionIsRanked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-rank-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("q.jsonl")
        try (#"{"id": 1, "context": "x", "choices": ["a", "b"]}"# + "\n" + #"{"id": 1, "context": "y", "choices": ["a", "b"]}"# + "\n")
            .write(to: url, atomically: true, encoding: .utf8)
        var ranked = 0
        #expect(throws: JSONLJobError.badLine(file: url.path, line: 2, reason: #"duplicate id "1" (first on line 1)"#)) {
            for _ in try JSONLJob.readItems(of: url, parse: { o, _ in try RankingInput.parse(o, ranker: ranker, delimiter: " ", model: model) }) {
                ranked += 1
            }
        }
        #expect(ranked == 0)
    }
}
