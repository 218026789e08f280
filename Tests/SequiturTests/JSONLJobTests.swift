import Foundation
import Testing
import Sequitur

@Suite struct JSONLJobTests {
    struct Fixture {
        let dir: URL
        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-jsonl-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        func write(_ name: String, _ text: String) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        func lines(_ url: URL) throws -> [[String: Any]] {
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            }
        }
    }

    static func parse(_ o: [String: Any], _ line: Int) throws -> (id: String, request: [Int32]) {
        let id = try JSONLFieldReader.id(o)
        guard let ids = try JSONLFieldReader.optionalTokenIDs(o, "ids") else {
            throw JSONLFieldError(field: "ids", problem: "missing")
        }
        return (id, ids)
    }

    struct SumLine: Encodable {
        var id: String
        var sum: Int32
    }

    /// The "work": the sum of the ids, so outputs are checkable.
    static func process(_ batch: [JSONLJob.Item<[Int32]>]) -> (lines: [SumLine], tokens: Int) {
        (batch.map { SumLine(id: $0.id, sum: $0.request.reduce(0, +)) }, batch.reduce(0) { $0 + $1.request.count })
    }

    @Test func writesOneLinePerInputInOrder() throws {
        let f = try Fixture()
        let input = try f.write("in.jsonl", (0 ..< 10).map { #"{"id": "r\#($0)", "ids": [\#($0), 1]}"# }.joined(separator: "\n") + "\n")
        let output = f.dir.appendingPathComponent("out.jsonl")
        let summary = try JSONLJob(input: input, output: output, resume: false, shard: nil)
            .run(batchSize: 3, parse: Self.parse, process: Self.process)
        #expect(summary.written == 10)
        let lines = try f.lines(output)
        #expect(lines.map { $0["id"] as! String } == (0 ..< 10).map { "r\($0)" })
        #expect(lines.map { $0["sum"] as! Int } == (0 ..< 10).map { Int($0) + 1 })
    }

    /// Integer ids keep every digit, at any size; numbers written with a fraction or an exponent are refused
    /// by name instead of being rounded into another line's id.
    @Test func numericIdsAreKeptExactlyAsWrittenOrRefused() throws {
        func id(_ literal: String) throws -> String {
            try JSONLFieldReader.id(JSONSerialization.jsonObject(with: Data(#"{"id": \#(literal)}"#.utf8)) as! [String: Any])
        }
        for literal in ["7", "-1", "0", "9007199254740993", "9223372036854775807", "9223372036854775808",
                        "-9223372036854775808", "12345678901234567890", "100000000000000000000000"] {
            #expect(try id(literal) == literal)
        }
        #expect(try id(#""1e19""#) == "1e19")
        for literal in ["1e19", "1.0", "1.5", "1E2"] {
            #expect(throws: JSONLFieldError.self, "\(literal)") { try id(literal) }
        }
        #expect(throws: JSONLFieldError(field: "id", problem: "expected a string or an integer")) { try id("true") }
        // Two ids that differ only beyond 2⁵³ are two ids, not a false duplicate.
        let f = try Fixture()
        let input = try f.write("in.jsonl", #"{"id": 9007199254740992, "ids": [1]}"# + "\n" + #"{"id": 9007199254740993, "ids": [2]}"# + "\n")
        let output = f.dir.appendingPathComponent("out.jsonl")
        _ = try JSONLJob(input: input, output: output, resume: false, shard: nil).run(batchSize: 2, parse: Self.parse, process: Self.process)
        #expect(try f.lines(output).map { $0["id"] as! String } == ["9007199254740992", "9007199254740993"])
    }

    @Test func refusesTheInputAsItsOwnOutputEvenWithResume() throws {
        let f = try Fixture()
        let input = try f.write("in.jsonl", #"{"id": 1, "ids": [1]}"# + "\n")
        let before = try String(contentsOf: input, encoding: .utf8)
        let samePath = f.dir.appendingPathComponent("./in.jsonl")
        #expect(throws: JSONLJobError.sameFile(input.path)) {
            try JSONLJob(input: input, output: samePath, resume: true, shard: nil).run(batchSize: 1, parse: Self.parse, process: Self.process)
        }
        #expect(try String(contentsOf: input, encoding: .utf8) == before, "the input is untouched")
    }

    @Test func refusesToOverwriteWithoutResume() throws {
        let f = try Fixture()
        let input = try f.write("in.jsonl", #"{"id": 1, "ids": [1]}"# + "\n")
        let output = try f.write("out.jsonl", "")
        #expect(throws: JSONLJobError.outputExists(output.path)) {
            try JSONLJob(input: input, output: output, resume: false, shard: nil).run(batchSize: 1, parse: Self.parse, process: Self.process)
        }
    }

    @Test func resumeCutsATornLineAndSkipsFinishedIDs() throws {
        let f = try Fixture()
        let input = try f.write("in.jsonl", (0 ..< 5).map { #"{"id": \#($0), "ids": [\#($0)]}"# }.joined(separator: "\n"))
        // A previous run finished ids 0 and 1 and was killed in the middle of writing id 2.
        let output = try f.write("out.jsonl", #"{"id":"0","sum":0}"# + "\n" + #"{"id":"1","sum":1}"# + "\n" + #"{"id":"2","su"#)
        var processed: [String] = []
        let summary = try JSONLJob(input: input, output: output, resume: true, shard: nil).run(batchSize: 2, parse: Self.parse) {
            processed += $0.map(\.id)
            return Self.process($0)
        }
        #expect(processed == ["2", "3", "4"])
        #expect(summary.skippedAsDone == 2)
        #expect(try f.lines(output).map { $0["id"] as! String } == ["0", "1", "2", "3", "4"])
    }

    @Test func shardsPartitionTheInputAndConcatenateToTheWhole() throws {
        let f = try Fixture()
        let input = try f.write("in.jsonl", (0 ..< 11).map { #"{"id": \#($0), "ids": [\#($0)]}"# }.joined(separator: "\n"))
        var all: [String] = []
        for i in 0 ..< 3 {
            let output = f.dir.appendingPathComponent("out\(i).jsonl")
            _ = try JSONLJob(input: input, output: output, resume: false, shard: try .init(index: i, count: 3))
                .run(batchSize: 4, parse: Self.parse, process: Self.process)
            all += try f.lines(output).map { $0["id"] as! String }
        }
        #expect(all.sorted { Int($0)! < Int($1)! } == (0 ..< 11).map(String.init))
        #expect(Set(all).count == 11)
        #expect(throws: JSONLJobError.self) { try JSONLJob.Shard(parsing: "3/3") }
        #expect(throws: JSONLJobError.self) { try JSONLJob.Shard(parsing: "a/b") }
    }

    @Test func badLinesNameTheLineAndReasonBeforeAnyWork() throws {
        let f = try Fixture()
        let cases: [(String, String)] = [
            (#"{"id": 1, "ids": [1]}"# + "\n" + "{not json", "in.jsonl:2: not valid JSON"),
            (#"{"ids": [1]}"#, #"in.jsonl:1: field "id": missing"#),
            (#"{"id": 1, "ids": [1, true]}"#, #"in.jsonl:1: field "ids[1]": expected an integer token id, got true"#),
            (#"{"id": 1, "ids": [1]}"# + "\n\n" + #"{"id": 1, "ids": [2]}"#, #"in.jsonl:3: duplicate id "1" (first on line 1)"#),
            ("[1, 2]", "in.jsonl:1: expected a JSON object"),
        ]
        for (text, message) in cases {
            let input = try f.write("in.jsonl", text)
            let output = f.dir.appendingPathComponent("out-\(UUID()).jsonl")
            var calls = 0
            do {
                _ = try JSONLJob(input: input, output: output, resume: false, shard: nil).run(batchSize: 1, parse: Self.parse) {
                    calls += 1
                    return Self.process($0)
                }
                Issue.record("expected an error for \(text)")
            } catch let error as JSONLJobError {
                #expect(error.description.hasSuffix(message), "\(error.description)")
            }
            #expect(calls == 0)
        }
        var bytes = Data(#"{"id": 1, "ids": [1]}"#.utf8)
        bytes.append(contentsOf: [0x0A, 0xFF, 0xFE, 0x0A])
        let input = f.dir.appendingPathComponent("bad-utf8.jsonl")
        try bytes.write(to: input)
        #expect(throws: JSONLJobError.badLine(file: input.path, line: 2, reason: "not valid UTF-8")) {
            try JSONLJob(input: input, output: f.dir.appendingPathComponent("o.jsonl"), resume: false, shard: nil)
                .run(batchSize: 1, parse: Self.parse, process: Self.process)
        }
    }

    @Test func stoppingBetweenBatchesLeavesOnlyWholeLines() throws {
        let f = try Fixture()
        let input = try f.write("in.jsonl", (0 ..< 6).map { #"{"id": \#($0), "ids": [\#($0)]}"# }.joined(separator: "\n"))
        let output = f.dir.appendingPathComponent("out.jsonl")
        var batches = 0
        let summary = try JSONLJob(input: input, output: output, resume: false, shard: nil)
            .run(batchSize: 2, parse: Self.parse, shouldStop: { batches == 2 }) { batches += 1; return Self.process($0) }
        #expect(summary.interrupted)
        #expect(try f.lines(output).count == 4)
        #expect(try String(contentsOf: output, encoding: .utf8).hasSuffix("\n"))
    }
}
