import Foundation
import SequiturModels
import Testing

/// Every pre-tokenizer splits the corpus exactly as HF `tokenizers` does (the fixture holds the splits of
/// `ByteLevel(use_regex=True)` for gpt-2/smollm and of `Split(Regex(...), "isolated")` with transformers'
/// GGUF regexes for llama-bpe and qwen2). Needs no model.
struct TokenizerPreTokenizerTests {
    struct Fixture: Decodable {
        let texts: [String]
        let splits: [String: [[String]]]
    }

    @Test(arguments: PreTokenizer.allCases)
    func splitsMatchHuggingFace(_ rule: PreTokenizer) throws {
        let url = TokenizerTestSupport.fixturesDirectory.appendingPathComponent("pretokenizer_splits.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let expected = try #require(fixture.splits[rule.rawValue])
        #expect(expected.count == fixture.texts.count && fixture.texts.count >= 300)
        var mismatches = 0
        for (text, want) in zip(fixture.texts, expected) {
            let got = rule.split(text)
            // Compared as UTF-8: Swift's String == would equate NFC and NFD spellings.
            if got.map(TokenizerTestSupport.utf8) != want.map(TokenizerTestSupport.utf8) {
                mismatches += 1
                if mismatches <= 10 {
                    Issue.record("\(rule.rawValue) \(text.debugDescription.prefix(100)): got \(got.prefix(20)), want \(want.prefix(20))")
                }
            }
        }
        #expect(mismatches == 0)
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
    }
}
