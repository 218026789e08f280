import Foundation
import Testing
import Sequitur

/// `ShardMerge` on the outputs of real `JSONLJob` runs over a toy job (the sum of each line's ids), so the
/// sidecars are the ones a command writes.
@Suite struct ShardMergeTests {
    struct SumLine: Encodable {
        var id: String
        var sum: Int32
    }

    static let recipe = JobRecipe(model: ModelIdentity(bytes: 1234, sampled_sha256: String(repeating: "ab", count: 32)),
                                  configuration: ["command": "toy", "scale": 1])

    struct Fixture {
        let dir: URL
        let input: URL

        init(requests: Int = 10) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-merge-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            input = dir.appendingPathComponent("in.jsonl")
            // A blank line in the middle: shards count requests, not lines.
            var lines = (0 ..< requests).map { #"{"id": "r\#($0)", "ids": [\#($0), \#($0 * 7)]}"# }
            lines.insert("", at: requests / 2)
            try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        }

        func url(_ name: String) -> URL { dir.appendingPathComponent(name) }

        @discardableResult
        func run(_ name: String, shard: JSONLJob.Shard?, recipe: JobRecipe = ShardMergeTests.recipe, resume: Bool = false) throws -> URL {
            let output = url(name)
            _ = try JSONLJob(input: input, output: output, resume: resume, shard: shard, recipe: recipe)
                .run(batchSize: 2, parse: { o, _ in
                    (try JSONLFieldReader.id(o), try JSONLFieldReader.optionalTokenIDs(o, "ids") ?? [])
                }) { batch in (batch.map { SumLine(id: $0.id, sum: $0.request.reduce(0, +)) }, 0) }
            return output
        }

        /// The three shards of the input, as `--shard i/3` writes them.
        func shards(_ count: Int = 3) throws -> [URL] {
            try (0 ..< count).map { try run("shard-\($0).jsonl", shard: JSONLJob.Shard(index: $0, count: count)) }
        }

        func merge(_ shards: [URL], into name: String = "merged.jsonl") throws -> URL {
            let output = url(name)
            _ = try ShardMerge.merge(input: input, shards: shards, output: output)
            return output
        }

        func lines(_ url: URL) throws -> [String] {
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        }

        func write(_ lines: [String], to url: URL, newlineAtEnd: Bool = true) throws {
            try Data((lines.joined(separator: "\n") + (newlineAtEnd ? "\n" : "")).utf8).write(to: url)
        }

        /// Expects the merge to fail with `expected`, and no output to appear.
        func expectRefusal(_ shards: [URL], _ expected: ShardMergeError, sourceLocation: SourceLocation = #_sourceLocation) {
            let output = url("refused.jsonl")
            #expect(throws: expected, sourceLocation: sourceLocation) { try ShardMerge.merge(input: input, shards: shards, output: output) }
            #expect(!FileManager.default.fileExists(atPath: output.path), "nothing is written when the merge is refused", sourceLocation: sourceLocation)
        }
    }

    @Test func mergedShardsAreTheSingleRunByteForByteInInputOrder() throws {
        let f = try Fixture(requests: 11)
        let single = try f.run("single.jsonl", shard: nil)
        let shards = try f.shards()
        let merged = try f.merge([shards[2], shards[0], shards[1]])
        #expect(try Data(contentsOf: merged) == Data(contentsOf: single))
        #expect(try f.lines(merged).count == 11)
        let manifest = try #require(try JobManifest.read(for: merged))
        #expect(manifest == (try JobManifest.read(for: single)), "the merged sidecar is a single run's: no shard")
        #expect(manifest.shard == nil)
    }

    @Test func aMissingIDIsNamedWithItsShard() throws {
        let f = try Fixture()
        let shards = try f.shards()
        // Shard 1 holds r1, r4, r7: drop r4, as if the shard had stopped early and been "finished" by hand.
        let lines = try f.lines(shards[1])
        try f.write(lines.filter { !$0.contains(#""r4""#) }, to: shards[1])
        f.expectRefusal(shards, .missingID(id: "r4", inputLine: 5, shard: "1/3", file: shards[1].path, more: 0))
    }

    @Test func aDuplicateIDIsNamedWithBothPlaces() throws {
        let f = try Fixture()
        let shards = try f.shards()
        let first = try f.lines(shards[0])
        try f.write(try f.lines(shards[2]) + [first[0]], to: shards[2])
        f.expectRefusal(shards, .duplicateID(id: "r0", first: "\(shards[0].path):1", file: "\(shards[2].path) (shard 2/3)", line: 4))
    }

    @Test func anIDThatIsNotInTheInputIsForeign() throws {
        let f = try Fixture()
        let shards = try f.shards()
        try f.write(try f.lines(shards[1]) + [#"{"id":"stranger","sum":3}"#], to: shards[1])
        f.expectRefusal(shards, .foreignID(id: "stranger", file: "\(shards[1].path) (shard 1/3)", line: 4))
    }

    @Test func anIDInAnotherShardsFileIsMisplaced() throws {
        let f = try Fixture()
        let shards = try f.shards()
        // r1 moves from shard 1 to shard 0: every id is still there exactly once, but not where the split put it.
        let one = try f.lines(shards[1])
        try f.write(Array(one.dropFirst()), to: shards[1])
        try f.write(try f.lines(shards[0]) + [one[0]], to: shards[0])
        f.expectRefusal(shards, .misplacedID(id: "r1", file: "\(shards[0].path) (shard 0/3)", line: 5, inputLine: 2, owner: "1/3"))
    }

    @Test func aTornLastLineIsRefusedWithItsFileAndLine() throws {
        let f = try Fixture()
        let shards = try f.shards()
        let data = try Data(contentsOf: shards[2])
        try data.dropLast(6).write(to: shards[2])
        f.expectRefusal(shards, .tornLine(file: "\(shards[2].path) (shard 2/3)", line: 3))
        // A complete line that is not a result is refused too.
        try f.write(try f.lines(shards[0]) + ["not json"], to: shards[0])
        f.expectRefusal(shards, .notAResultLine(file: "\(shards[0].path) (shard 0/3)", line: 5))
    }

    @Test func shardsOfAnotherConfigurationModelOrInputAreRefused() throws {
        let f = try Fixture()
        let original = try f.shards()
        var shards = original
        var other = Self.recipe
        other.configuration["scale"] = 2
        shards[1] = try f.run("other-config.jsonl", shard: JSONLJob.Shard(index: 1, count: 3), recipe: other)
        f.expectRefusal(shards, .otherJob(shard: shards[1].path, reference: shards[0].path, difference: #"configuration "scale" (2 vs 1)"#))

        other = Self.recipe
        other.model.bytes = 99
        shards[1] = try f.run("other-model.jsonl", shard: JSONLJob.Shard(index: 1, count: 3), recipe: other)
        do {
            _ = try f.merge(shards)
            Issue.record("a shard of another model was merged")
        } catch let error as ShardMergeError {
            #expect(error.description.contains("different model (99 bytes"), "\(error)")
        }

        // The input given to merge must be the one every shard was made from.
        shards = original
        try "{\"id\": \"r0\", \"ids\": [1]}\n".write(to: f.input, atomically: true, encoding: .utf8)
        f.expectRefusal(shards, .otherInput(shard: shards[0].path, input: f.input.path))
    }

    @Test func theShardSetMustBeCompleteAndEachShardGivenOnce() throws {
        let f = try Fixture()
        let shards = try f.shards()
        f.expectRefusal([shards[0], shards[2]], .missingShard("1/3", given: 2))
        f.expectRefusal([shards[0], shards[1], shards[1], shards[2]], .shardGivenTwice(shard: "1/3", first: shards[1].path, second: shards[1].path))
        let quarter = try f.run("quarter.jsonl", shard: JSONLJob.Shard(index: 1, count: 4))
        f.expectRefusal([shards[0], quarter, shards[2]], .otherShardCount(shard: quarter.path, count: 4, reference: shards[0].path, expected: 3))
        try FileManager.default.removeItem(at: JobManifest.url(for: shards[2]))
        f.expectRefusal(shards, .missingManifest(shards[2].path))
        f.expectRefusal(shards, .missingManifest(shards[2].path))
        #expect(throws: ShardMergeError.outputIsAnInput(shards[0].path)) {
            try ShardMerge.merge(input: f.input, shards: shards, output: shards[0])
        }
    }

    @Test func resumeRefusesAnOutputOfAnotherJobAndAdoptsOneWithoutASidecar() throws {
        let f = try Fixture()
        let output = try f.run("out.jsonl", shard: JSONLJob.Shard(index: 0, count: 2))
        var other = Self.recipe
        other.configuration["scale"] = 2
        #expect(throws: JSONLJobError.self) { try f.run("out.jsonl", shard: JSONLJob.Shard(index: 0, count: 2), recipe: other, resume: true) }
        do {
            try f.run("out.jsonl", shard: JSONLJob.Shard(index: 1, count: 2), resume: true)
            Issue.record("resumed shard 0/2's output as shard 1/2")
        } catch let error as JSONLJobError {
            #expect(error.description.contains("records shard 0/2, this run is shard 1/2"), "\(error)")
        }
        // An output from before sidecars existed is resumed, and gets its sidecar.
        try FileManager.default.removeItem(at: JobManifest.url(for: output))
        try f.run("out.jsonl", shard: JSONLJob.Shard(index: 0, count: 2), resume: true)
        #expect(try JobManifest.read(for: output)?.shard == JobManifest.ShardRecord(index: 0, count: 2))
    }
}
