import Foundation
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// What the committed corpus (Fixtures/tokenizer/corpus.json) contains. Needs no model, so it runs even
/// where the corpus comparison itself is skipped.
struct TokenizerCorpusCoverageTests {
    /// The corpus really covers what the issue lists; checked on the texts themselves, not only on labels.
    @Test func corpusCoversTheRequiredKindsOfText() throws {
        let corpus = try TokenizerTestSupport.corpus()
        #expect(corpus.count >= 300)
        let required = [
            "prose", "code", "digits", "whitespace", "tabs", "crlf", "accents", "combining", "cjk", "rtl", "emoji",
            "zero-width", "special-tokens", "long-words",
        ]
        let categories = Dictionary(grouping: corpus, by: \.category).mapValues(\.count)
        for category in required { #expect(categories[category, default: 0] >= 5, "category \(category)") }

        func some(_ what: String, minimum: Int = 3, _ test: (String) -> Bool) {
            let count = corpus.filter { test($0.text) }.count
            #expect(count >= minimum, "only \(count) corpus strings with \(what)")
        }
        func scalars(_ text: String, _ test: (Unicode.Scalar) -> Bool) -> Bool { text.unicodeScalars.contains(where: test) }
        some("a digit run of 10+") { $0.utf8.split { !(48...57).contains($0) }.contains { $0.count >= 10 } }
        some("a space run of 10+") { $0.contains(String(repeating: " ", count: 10)) }
        some("a tab") { $0.contains("\t") }
        some("CRLF") { text in let b = Array(text.utf8); return b.indices.dropLast().contains { b[$0] == 13 && b[$0 + 1] == 10 } }
        some("a precomposed accent") { scalars($0) { (0xC0...0x17F).contains($0.value) } }
        some("a combining mark") { scalars($0) { $0.properties.generalCategory == .nonspacingMark } }
        some("CJK ideographs") { scalars($0) { (0x4E00...0x9FFF).contains($0.value) } }
        some("Arabic") { scalars($0) { (0x600...0x6FF).contains($0.value) } }
        some("Hebrew") { scalars($0) { (0x590...0x5FF).contains($0.value) } }
        some("an emoji ZWJ sequence") { $0.unicodeScalars.contains("\u{200D}") && scalars($0) { $0.value >= 0x1F300 } }
        some("an emoji skin tone") { scalars($0) { (0x1F3FB...0x1F3FF).contains($0.value) } }
        for (name, scalar) in [("ZWSP", "\u{200B}"), ("ZWJ", "\u{200D}"), ("ZWNJ", "\u{200C}"), ("BOM", "\u{FEFF}")] as [(String, Unicode.Scalar)] {
            some(name) { $0.unicodeScalars.contains(scalar) }
        }
        some("a special token inside other text") { $0.contains("<|im_start|>") && $0.count > "<|im_start|>".count + 2 }
        some("a word of 10,000+ characters", minimum: 5) { text in
            text.split(whereSeparator: { $0.isWhitespace }).contains { $0.unicodeScalars.count >= 10_000 }
        }
    }
}
