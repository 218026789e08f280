import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// The default model's tokenizer against transformers on the committed corpus
/// (scripts/reference/tokenizer_corpus.py): prose, code, digit and whitespace runs, tabs, CR/LF, accents and
/// NFD text, CJK, Arabic and Hebrew, emoji sequences, zero-width and control characters, contractions,
/// special-token strings, and words of 10,000+ characters.
@Suite(.enabled(if: GGUFTestSupport.shouldRunModelTests, "default model not present (set CI to require it)"))
struct TokenizerCorpusTests {
    typealias Entry = TokenizerTestSupport.CorpusEntry

    @Test func idsMatchTransformersTokenForTokenWithSpecialParsingOnAndOff() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        let corpus = try TokenizerTestSupport.corpus()
        var mismatches = 0
        var modesDiffer = 0
        for (index, entry) in corpus.enumerated() {
            let ids = tokenizer.encode(entry.text, parseSpecial: true)
            let plain = tokenizer.encode(entry.text, parseSpecial: false)
            if entry.ids != entry.idsPlain { modesDiffer += 1 }
            if ids != entry.ids || plain != entry.idsPlain {
                mismatches += 1
                if mismatches <= 10 {
                    Issue.record("corpus[\(index)] \(entry.text.debugDescription.prefix(120)): got \(ids.prefix(40)) / plain \(plain.prefix(40)), want \(entry.ids.prefix(40)) / plain \(entry.idsPlain.prefix(40))")
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(corpus.count) corpus strings differ from transformers")
        // The two modes are really exercised: special-token strings tokenize differently in them.
        #expect(modesDiffer >= 15)
    }

    /// `decode(encode(s)) == s` byte for byte for every corpus string transformers round-trips, in both
    /// parsing modes. The one string it does not ("a\u{1C}b\u{1D}c\u{1E}d\u{1F}f": this vocabulary has no
    /// token for byte 0x1D, and the reference drops that byte) decodes to exactly what transformers gives.
    @Test func decodeInvertsEncode() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        let utf8 = TokenizerTestSupport.utf8
        let corpus = try TokenizerTestSupport.corpus()
        for (index, entry) in corpus.enumerated() {
            let text = entry.lossless ? entry.text : entry.decoded
            #expect(utf8(tokenizer.decode(tokenizer.encode(entry.text))) == utf8(text),
                    "corpus[\(index)] \(entry.text.debugDescription.prefix(80)) does not round-trip")
            #expect(utf8(tokenizer.decode(tokenizer.encode(entry.text, parseSpecial: false))) == utf8(text),
                    "corpus[\(index)] does not round-trip with special parsing off")
        }
        let lossy = corpus.filter { !$0.lossless }.map(\.text)
        #expect(lossy == ["a\u{1C}b\u{1D}c\u{1E}d\u{1F}f"])
    }

    /// Feeding the tokens one at a time through `StreamingDetokenizer` gives, after every token, exactly the
    /// complete characters decoded so far: never a U+FFFD for a character that is still arriving, never text
    /// that differs from the final decode, and the whole text at the end. Many corpus strings have tokens
    /// that end inside a UTF-8 character (CJK, emoji, Arabic, combining marks); the test counts them.
    @Test func streamingHoldsBackSplitCharactersUntilTheyComplete() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        var splitInsideCharacter = 0
        var entriesWithSplits = 0
        var failures = 0
        for (index, entry) in try TokenizerTestSupport.corpus().enumerated() where entry.lossless {
            let final = Array(entry.text.utf8)
            // Byte offsets where a character starts (or the text ends): what may have been emitted so far.
            var boundaries = Set<Int>([final.count])
            var offset = 0
            for scalar in entry.text.unicodeScalars {
                boundaries.insert(offset)
                offset += UTF8.width(scalar)
            }
            var stream = tokenizer.streamingDetokenizer()
            var emitted = 0
            var received = 0
            var splitsHere = 0
            var ok = true
            for id in entry.ids {
                let piece = Array(stream.append(id).utf8)
                received += tokenizer.tokenType(of: id) == .control
                    ? tokenizer.piece(for: id).utf8.count : tokenizer.bytes(of: id).count
                if !boundaries.contains(received) { splitsHere += 1 }
                // Emitted text must be the final text's longest complete-character prefix within the bytes received.
                var expectedEnd = received
                while !boundaries.contains(expectedEnd) { expectedEnd -= 1 }
                if emitted + piece.count != expectedEnd || !final[emitted..<expectedEnd].elementsEqual(piece) {
                    failures += 1
                    if failures <= 10 {
                        Issue.record("corpus[\(index)] \(entry.text.debugDescription.prefix(60)): after \(received) bytes streamed \(piece) at \(emitted), want bytes \(emitted)..<\(expectedEnd)")
                    }
                    ok = false
                    break
                }
                emitted = expectedEnd
            }
            guard ok else { continue }
            #expect(stream.finish().isEmpty && emitted == final.count, "corpus[\(index)] did not stream the whole text")
            splitInsideCharacter += splitsHere
            if splitsHere > 0 { entriesWithSplits += 1 }
        }
        #expect(failures == 0, "\(failures) corpus strings streamed wrongly")
        #expect(entriesWithSplits >= 30, "only \(entriesWithSplits) corpus strings have a token ending inside a character")
        #expect(splitInsideCharacter >= 1_000)
    }

    /// The lossy string streams as it decodes too.
    @Test func streamingEqualsDecodeForEveryEntry() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        for (index, entry) in try TokenizerTestSupport.corpus().enumerated() where entry.text.utf8.count < 1_000 {
            var stream = tokenizer.streamingDetokenizer()
            let streamed = entry.ids.map { stream.append($0) }.joined() + stream.finish()
            #expect(Array(streamed.utf8) == Array(tokenizer.decode(entry.ids).utf8), "corpus[\(index)] streams differently")
        }
    }

    /// Control tokens match whole with special parsing on and are plain text with it off.
    @Test func specialTokensMatchWholeOnlyWithParsingOn() throws {
        let tokenizer = try TokenizerTestSupport.defaultModelTokenizer()
        let start = try #require(tokenizer.id(for: "<|im_start|>"))
        let end = try #require(tokenizer.id(for: "<|im_end|>"))
        let text = "<|im_start|>user\nHi<|im_end|>"
        let on = tokenizer.encode(text, parseSpecial: true)
        #expect(on.first == start && on.last == end)
        #expect(on.filter { tokenizer.tokenType(of: $0) == .control } == [start, end])
        #expect(tokenizer.decode(on) == text)
        let off = tokenizer.encode(text, parseSpecial: false)
        #expect(off.allSatisfy { tokenizer.tokenType(of: $0) != .control })
        #expect(off.count > on.count + 8)  // "<", "|", "im", "_", "start", "|", ">" ...
        #expect(tokenizer.decode(off) == text)
        // A near miss is never a special token.
        #expect(!tokenizer.encode("<|im_start|<|IM_END|>").contains(start))
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
}
