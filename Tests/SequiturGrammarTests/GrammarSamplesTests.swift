import Foundation
import Testing

/// llama.cpp's example grammars (Tests/Fixtures/grammars) with strings each one accepts and rejects. Checking the
/// samples here with an independent recogniser is what lets other tests trust them as expected answers.
@Suite("llama.cpp grammar samples")
struct GrammarSamplesTests {
    struct GrammarSamples: Decodable {
        let accept: [String]
        let reject: [String]
    }

    static let grammarsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/grammars")

    static let grammarFiles = [
        "arithmetic.gbnf", "c.gbnf", "chess.gbnf", "english.gbnf", "japanese.gbnf", "json.gbnf", "json_arr.gbnf",
        "list.gbnf",
    ]

    static func loadSamples() throws -> [String: GrammarSamples] {
        let data = try Data(contentsOf: grammarsFolder.appendingPathComponent("samples.json"))
        return try JSONDecoder().decode([String: GrammarSamples].self, from: data)
    }

    @Test func everyGrammarFileHasEnoughSamples() throws {
        let present = try FileManager.default.contentsOfDirectory(atPath: Self.grammarsFolder.path)
            .filter { $0.hasSuffix(".gbnf") }
            .sorted()
        #expect(present == Self.grammarFiles)
        let samples = try Self.loadSamples()
        #expect(samples.keys.sorted() == present)
        for (file, lists) in samples {
            #expect(lists.accept.count >= 4, "\(file) has too few accepted samples")
            #expect(lists.reject.count >= 4, "\(file) has too few rejected samples")
        }
    }

    @Test(arguments: grammarFiles)
    func samplesAreAcceptedAndRejectedAsListed(_ file: String) throws {
        let grammar = try String(contentsOf: Self.grammarsFolder.appendingPathComponent(file), encoding: .utf8)
        let recogniser = try RegexTestRecogniser(gbnf: grammar)
        let samples = try #require(try Self.loadSamples()[file])
        for sample in samples.accept {
            #expect(try recogniser.accepts(sample), "\(file) should accept \(sample.debugDescription)")
        }
        for sample in samples.reject {
            #expect(try !recogniser.accepts(sample), "\(file) should reject \(sample.debugDescription)")
        }
    }
}
