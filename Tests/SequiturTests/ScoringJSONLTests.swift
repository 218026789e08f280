import Foundation
import Sequitur
import SequiturTesting
import Testing

/// `sequitur score --input`'s line format: parsing, validation that names the field, and a whole run (with an
/// interruption and a resume) that writes the same lines as scoring every request at once.
@Suite struct ScoringJSONLTests {
    /// Words are tokens: "a b c" → [1, 2, 3] (each word's length), enough for the splitter's rule.
    struct WordLengthEncoder: TextEncoder {
        func encode(_ text: String) throws -> [TokenID] {
            text.split(separator: " ").map { TokenID(min($0.count, 40)) }
        }
    }

    let model = PrefixHashLanguageModel(vocabularySize: 50, contextLength: 64, seed: 3)
    var splitter: TextScoringSplitter { TextScoringSplitter(encoder: WordLengthEncoder()) }

    func parse(_ json: String) throws -> ScoringRequest {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return try ScoringInput.parse(object, splitter: splitter, model: model).request
    }

    func fieldError(_ json: String) -> JSONLFieldError? {
        do {
            _ = try parse(json)
            return nil
        } catch let error as JSONLFieldError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func readsTextAndTokenIDs() throws {
        let text = try parse(#"{"id": 7, "context": "ab cde", "continuation": " f"}"#)
        #expect(text.id == "7" && text.context == [2, 3] && text.continuation == [1])
        let ids = try parse(#"{"id": "q", "context_ids": [4, 5], "continuation_ids": [6]}"#)
        #expect(ids.id == "q" && ids.context == [4, 5] && ids.continuation == [6])
    }

    @Test func badFieldsAreNamed() {
        #expect(fieldError(#"{"id": "x", "context": "a"}"#)?.field == "continuation")
        #expect(fieldError(#"{"id": "x", "continuation": "a"}"#)?.field == "context")
        #expect(fieldError(#"{"id": "x", "context_ids": [1]}"#)?.field == "continuation_ids")
        // Text and ids in one line are ambiguous: refused, naming the text field.
        #expect(fieldError(#"{"id": "x", "context_ids": [1], "continuation_ids": [2], "context": "a"}"#)?.field == "context")
        #expect(fieldError(#"{"id": "x", "context_ids": [1], "continuation_ids": [2], "continuation": "b"}"#)?.field == "continuation")
        let range = fieldError(#"{"id": "x", "context_ids": [1, 50], "continuation_ids": [2]}"#)
        #expect(range?.field == "context_ids[1]")
        #expect(range?.description.contains("50 tokens") == true, "says how big the vocabulary is")
        #expect(fieldError(#"{"id": "x", "context_ids": [], "continuation_ids": [2]}"#)?.field == "context")
        let long = fieldError(#"{"id": "x", "context_ids": [\#(Array(repeating: "1", count: 60).joined(separator: ","))], "continuation_ids": [1, 2, 3, 4, 5]}"#)
        #expect(long?.description.contains("65 tokens") == true && long?.description.contains("64") == true,
                "gives both the length and the model's limit")
    }

    @Test func anInterruptedRunResumesToTheSameLinesAsOneRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-score-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.jsonl")
        let lines = (0..<11).map { i in
            #"{"id": "r\#(i)", "context_ids": [\#(1 + i % 5), \#(2 + i % 7)], "continuation_ids": [\#(3 + i % 11), \#(9)]}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let scorer = DirectScorer(batchSize: 4)
        func run(_ output: URL, resume: Bool, stopAfter: Int?) throws -> JSONLJob.Summary {
            var batches = 0
            return try JSONLJob(input: input, output: output, resume: resume, shard: nil).run(
                batchSize: 3,
                parse: { o, _ in try ScoringInput.parse(o, splitter: splitter, model: model) },
                shouldStop: { stopAfter.map { batches >= $0 } ?? false }
            ) { batch in
                batches += 1
                let results = try scorer.score(batch.map(\.request), model: model)
                return (results.map(ScoreLine.init), 0)
            }
        }
        let whole = dir.appendingPathComponent("whole.jsonl"), pieces = dir.appendingPathComponent("pieces.jsonl")
        #expect(try run(whole, resume: false, stopAfter: nil).written == 11)
        let first = try run(pieces, resume: false, stopAfter: 2)
        #expect(first.interrupted && first.written == 6)
        let second = try run(pieces, resume: true, stopAfter: nil)
        #expect(!second.interrupted && second.written == 5 && second.skippedAsDone == 6)
        #expect(try String(contentsOf: pieces, encoding: .utf8) == String(contentsOf: whole, encoding: .utf8))

        let direct = try scorer.score(lines.map { try parse($0) }, model: model).map(ScoreLine.init)
        // Read back with JSONDecoder: Foundation's JSONSerialization parses doubles inexactly on Linux.
        struct Line: Decodable { var id: String; var logprob: Double; var token_logprobs: [Float]; var n_tokens: Int }
        let written = try String(contentsOf: whole, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Line.self, from: Data($0.utf8))
        }
        #expect(written.count == direct.count)
        for (line, expected) in zip(written, direct) {
            #expect(line.id == expected.id)
            #expect(line.logprob == expected.scores.logprob, "scores survive the file bit for bit")
            #expect(line.token_logprobs == expected.scores.token_logprobs && line.n_tokens == expected.scores.n_tokens)
        }
    }
}

@Suite struct JSONLineEncoderTests {
    @Test func doublesRoundTripExactlyAndKeysAreSorted() throws {
        var values: [Double] = [-15.579290390014648, 1e-300, -0.1, 3, 123456789.123456789]
        var generator = SystemRandomNumberGenerator()
        values += (0..<200).map { _ in Double(bitPattern: generator.next() & 0x3FEF_FFFF_FFFF_FFFF) * -1 }
        let data = try JSONLineEncoder.encode(["z": values, "a": "tab\there \"q\" \u{1}", "m": true, "n": 5, "f": Float(0.1)])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix(#"{"a":"tab\there \"q\" \u0001","f":0.10000000149011612,"m":true,"n":5,"z":["#))
        let back = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let decoded = try JSONDecoder().decode([String: [Double]].self, from: try JSONLineEncoder.encode(["z": values]))
        #expect(decoded["z"] == values, "every double reads back bit for bit")
        #expect(back["m"] as? Bool == true && back["n"] as? Int == 5)
    }

    @Test func anEncodableValueWritesAsTheSameObjectBuiltByHand() throws {
        struct Inner: Encodable { var f: Float; var small: UInt8 }
        struct Outer: Encodable { var z: [Inner]; var a: String?; var skipped: Int?; var nothing: [Int?]; var d: Double }
        let value = Outer(z: [Inner(f: 0.1, small: 7)], a: "x", skipped: nil, nothing: [nil, 2], d: 3)
        let handBuilt: [String: Any] = ["z": [["f": Float(0.1), "small": 7] as [String: Any]], "a": "x", "nothing": [NSNull(), 2], "d": 3.0]
        #expect(try JSONLineEncoder.encode(value) == JSONLineEncoder.encode(handBuilt))
        #expect(String(decoding: try JSONLineEncoder.encode(value), as: UTF8.self)
                == #"{"a":"x","d":3.0,"nothing":[null,2],"z":[{"f":0.10000000149011612,"small":7}]}"#)
        struct NotANumber: Encodable { var x: [Double] }
        #expect { try JSONLineEncoder.encode(NotANumber(x: [1, .nan])) } throws: { "\($0)".contains("$.x[1]") }
    }

    @Test func nonFiniteNumbersAreErrorsThatNameThePath() {
        #expect(throws: JSONLineEncoder.UnencodableValue.self) { try JSONLineEncoder.encode(["x": [1.0, .nan]]) }
        do {
            _ = try JSONLineEncoder.encode(["x": [1.0, Double.infinity]])
        } catch {
            #expect("\(error)".contains("$.x[1]"))
        }
    }
}
