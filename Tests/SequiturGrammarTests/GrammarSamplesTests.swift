import Foundation
import SequiturGrammar
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
        let recogniser = try ReferenceGBNFRecogniser(gbnf: grammar)
        let samples = try #require(try Self.loadSamples()[file])
        for sample in samples.accept {
            #expect(recogniser.accepts(sample), "\(file) should accept \(sample.debugDescription)")
        }
        for sample in samples.reject {
            #expect(!recogniser.accepts(sample), "\(file) should reject \(sample.debugDescription)")
        }
    }

    /// The production automaton against the reference recogniser: the listed samples, and every sample with one
    /// character deleted, duplicated or replaced (strings near the boundary of the language).
    @Test(arguments: grammarFiles)
    func automatonAgreesWithTheReference(_ file: String) throws {
        let grammar = try String(contentsOf: Self.grammarsFolder.appendingPathComponent(file), encoding: .utf8)
        let reference = try ReferenceGBNFRecogniser(gbnf: grammar)
        let automaton = try GrammarAutomaton(gbnf: grammar)
        let samples = try #require(try Self.loadSamples()[file])
        var generator = SplitMix64(state: UInt64(file.utf8.count))
        var probes = samples.accept + samples.reject
        let replacements: [Character] = ["a", "Z", "0", " ", "\n", "\"", "{", "]", ",", "(", "é", "語"]
        for sample in samples.accept {
            let characters = Array(sample)
            for _ in 0..<40 where !characters.isEmpty {
                var edited = characters
                let i = Int.random(in: 0..<edited.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: edited.remove(at: i)
                case 1: edited.insert(edited[i], at: i)
                default: edited[i] = replacements.randomElement(using: &generator)!
                }
                probes.append(String(edited))
            }
        }
        let disagreements = probes.filter { reference.accepts($0) != automaton.accepts($0) }
        #expect(disagreements.isEmpty, "\(file): the automaton and the reference disagree on \(disagreements.prefix(5).map(\.debugDescription))")
        #expect(probes.contains { !reference.accepts($0) } && probes.contains { reference.accepts($0) })
    }
}
