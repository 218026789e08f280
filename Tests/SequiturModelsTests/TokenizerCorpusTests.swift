import Foundation
import SequiturCore
import SequiturModels
import Testing

/// The default model's tokenizer against transformers on the committed corpus
/// (scripts/reference/tokenizer_corpus.py): prose, code, digit and whitespace runs, CR/LF, NFD text, many
/// scripts, emoji sequences, zero-width and control characters, contractions, special-token strings, and
/// words of 10,000+ characters.
@Suite(.enabled(if: GGUFTestSupport.shouldRunModelTests, "default model not present (set CI to require it)"))
struct TokenizerCorpusTests {
    struct Corpus: Decodable {
        struct Entry: Decodable {
            let text: String
            let ids: [TokenID]
            let ids_plain: [TokenID]
            let decoded: String
        }
        let entries: [Entry]
    }

    static func corpus() throws -> Corpus {
        let data = try Data(contentsOf: TokenizerTestSupport.fixturesDirectory.appendingPathComponent("corpus.json"))
        return try JSONDecoder().decode(Corpus.self, from: data)
    }

    @Test func idsMatchTransformersTokenForToken() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        let corpus = try Self.corpus()
        #expect(corpus.entries.count >= 300)
        var mismatches = 0
        for (index, entry) in corpus.entries.enumerated() {
            let ids = tokenizer.encode(entry.text)
            let plain = tokenizer.encode(entry.text, parseSpecial: false)
            if ids != entry.ids || plain != entry.ids_plain {
                mismatches += 1
                Issue.record("corpus[\(index)] \(entry.text.debugDescription.prefix(120)): got \(ids.prefix(40)) / plain \(plain.prefix(40)), want \(entry.ids.prefix(40)) / plain \(entry.ids_plain.prefix(40))")
            }
            if mismatches > 10 { break }
        }
        #expect(mismatches == 0)
    }

    /// `decode(encode(s)) == s` byte for byte, except where the vocabulary has no token for a byte (this model
    /// lacks 0x04, 0x06, 0x13, 0x14, 0x16, 0x1D, 0xC0, 0xC1, 0xF1...0xFF), where transformers drops it too;
    /// there the decoded text equals transformers' decode.
    @Test func decodeInvertsEncodeByteForByte() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        var exactRoundTrips = 0
        for (index, entry) in try Self.corpus().entries.enumerated() {
            let utf8 = TokenizerTestSupport.utf8
            let decoded = tokenizer.decode(entry.ids)
            #expect(utf8(decoded) == utf8(entry.decoded), "corpus[\(index)] decode differs from transformers")
            if utf8(entry.decoded) == utf8(entry.text) {
                exactRoundTrips += 1
                #expect(utf8(tokenizer.decode(tokenizer.encode(entry.text, addBOS: false))) == utf8(entry.text),
                        "corpus[\(index)] does not round-trip")
                #expect(utf8(tokenizer.decode(tokenizer.encode(entry.text, parseSpecial: false))) == utf8(entry.text))
            }
        }
        #expect(exactRoundTrips >= 370)
    }

    /// Streaming the tokens one at a time gives the same text as decoding them together, for every entry
    /// (many split characters across tokens: CJK, emoji, combining marks).
    @Test func streamingMatchesWholeDecode() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        var heldBack = 0
        for (index, entry) in try Self.corpus().entries.enumerated() {
            var stream = tokenizer.streamingDetokenizer()
            var text = ""
            for id in entry.ids {
                let piece = stream.append(id)
                if piece.isEmpty && !tokenizer.bytes(of: id).isEmpty { heldBack += 1 }
                #expect(!piece.unicodeScalars.contains("\u{FFFD}") || entry.decoded.unicodeScalars.contains("\u{FFFD}"),
                        "corpus[\(index)] streamed a replacement character")
                text += piece
            }
            text += stream.finish()
            #expect(Array(text.utf8) == Array(tokenizer.decode(entry.ids).utf8), "corpus[\(index)] streams differently")
        }
        #expect(heldBack > 0, "the corpus should contain tokens that end inside a character")
    }

    @Test func metadataFromTheFile() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        #expect(tokenizer.count == 49_152)
        #expect(tokenizer.preTokenizerName == "smollm" && tokenizer.preTokenizer == .gpt2)
        #expect(tokenizer.bosID == 1 && tokenizer.eosID == 2 && tokenizer.unknownID == 0 && tokenizer.paddingID == 2)
        #expect(tokenizer.addBOS == false && tokenizer.beginToken == nil)
        // eos is <|im_end|>; <|endoftext|> is also an end marker.
        #expect(tokenizer.endTokens == [0, 2])
        #expect(tokenizer.chatTemplate?.contains("<|im_start|>") == true)
        #expect(tokenizer.piece(for: 1) == "<|im_start|>")
        #expect(tokenizer.tokenType(of: 1) == .control)
        #expect(tokenizer.bytes(of: 2).isEmpty)
        #expect(tokenizer.encode("Hi", addBOS: true).first == 1)
        let the = try #require(tokenizer.id(for: "Ġthe"))
        #expect(tokenizer.readablePiece(for: the) == " the")
        #expect(tokenizer.decode([1, the, 2], skipSpecial: true) == " the")
        #expect(tokenizer.decode([1, the, 2]) == "<|im_start|> the<|im_end|>")
    }

    /// Not a timing assertion: prints encode throughput on mixed text (1 MB in release builds, 100 kB in
    /// debug ones to keep the suite fast), and checks the round trip of that text.
    @Test func encodeThroughput() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        let entries = try Self.corpus().entries.filter { Array($0.decoded.utf8) == Array($0.text.utf8) }
        let target = _isDebugAssertConfiguration() ? 100_000 : 1_000_000
        var text = ""
        var k = 0
        while text.utf8.count < target {
            text += entries[k % entries.count].text + (k % 3 == 0 ? "\n" : " ")
            k += 1
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let ids = tokenizer.encode(text)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let megabytes = Double(text.utf8.count) / 1e6
        print("tokenizer encode throughput: \(String(format: "%.2f", megabytes / seconds)) MB/s "
              + "(\(text.utf8.count) bytes, \(ids.count) tokens, \(String(format: "%.3f", seconds)) s)")
        #expect(Array(tokenizer.decode(ids).utf8) == Array(text.utf8))
    }
}
