import Foundation
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// Every pre-tokenizer splits the corpus exactly as HF `tokenizers` does. The fixture holds, for each of
/// six `tokenizer.ggml.pre` names, the length in Unicode scalars of each pre-token that transformers'
/// GGUF loader's pre-tokenizer gives: for "smollm" the default model's own, for "gpt-2" `ByteLevel(use_regex
/// =True)`, for "llama-bpe" and "qwen2" `Split(Regex(...), "isolated")` with the loader's regexes, for "gpt-4o"
/// and "tekken" the same with the regexes of Phi-4's and Mistral Nemo's `tokenizer.json` (the loader has no
/// entry for them). Needs no model.
struct TokenizerPreTokenizerTests {
    struct Fixture: Decodable {
        let texts: [String]
        let splits: [String: [[Int]]]
    }

    static let names = ["smollm", "gpt-2", "llama-bpe", "qwen2", "gpt-4o", "tekken"]

    /// Read once for the four arguments.
    static let fixture = Result {
        let url = TokenizerTestSupport.fixturesDirectory.appendingPathComponent("pretokenizer_splits.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test(arguments: names)
    func splitsMatchHuggingFace(_ name: String) throws {
        let fixture = try Self.fixture.get()
        let expected = try #require(fixture.splits[name])
        #expect(expected.count == fixture.texts.count && fixture.texts.count >= 300)
        let rule = try PreTokenizer(ggufName: name)
        var mismatches = 0
        for (text, want) in zip(fixture.texts, expected) {
            let pieces = rule.split(text)
            // Compared as scalar counts plus the pieces' concatenation as UTF-8 (Swift's String == would
            // equate NFC and NFD spellings).
            let got = pieces.map(\.unicodeScalars.count)
            if got != want || Array(pieces.joined().utf8) != Array(text.utf8) {
                mismatches += 1
                if mismatches <= 10 {
                    Issue.record("\(name) \(text.debugDescription.prefix(100)): got lengths \(got.prefix(20)), want \(want.prefix(20))")
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(fixture.texts.count) texts split differently under \(name)")
    }

    @Test func namesFromGGUF() throws {
        #expect(try PreTokenizer(ggufName: "smollm") == .gpt2)
        #expect(try PreTokenizer(ggufName: "gpt-2") == .gpt2)
        #expect(try PreTokenizer(ggufName: "llama-bpe") == .llama3)
        #expect(try PreTokenizer(ggufName: "qwen2") == .qwen2)
        #expect(throws: TokenizerError.self) { try PreTokenizer(ggufName: "no-such-pre") }
    }

    @Test func handPickedSplits() {
        // GPT-2's contractions are case-sensitive ("'M" is not one); llama-bpe's are not.
        #expect(PreTokenizer.gpt2.split("I'M don't  12345 x") == ["I", "'", "M", " don", "'t", " ", " 12345", " x"])
        #expect(PreTokenizer.llama3.split("I'M 12345\r\n\n  x") == ["I", "'M", " ", "123", "45", "\r\n\n", " ", " x"])
        #expect(PreTokenizer.qwen2.split("a12") == ["a", "1", "2"])
        #expect(PreTokenizer.gpt2.split("") == [])
        // GPT-4o and Tekken cut words where case changes, with Unicode cases (llama.cpp's ASCII approximation
        // would keep " éCOLE" whole); GPT-4o attaches contractions and groups digits in threes. (HF tokenizers'
        // splits of the same strings.)
        #expect(PreTokenizer.gpt4o.split("camelCaseXMLParser") == ["camel", "Case", "XMLParser"])
        #expect(PreTokenizer.gpt4o.split("HELLO'S world's") == ["HELLO'S", " world's"])
        #expect(PreTokenizer.gpt4o.split("path/to\n/file 12345") == ["path", "/to", "\n", "/file", " ", "123", "45"])
        #expect(PreTokenizer.gpt4o.split("ǅemal Ωmega éCOLE") == ["ǅemal", " Ωmega", " é", "COLE"])
        #expect(PreTokenizer.tekken.split("HELLO'S world's") == ["HELLO", "'S", " world", "'s"])
        #expect(PreTokenizer.tekken.split("path/to\n/file 12345") == ["path", "/to", "\n", "/file", " ", "1", "2", "3", "4", "5"])
    }
}
