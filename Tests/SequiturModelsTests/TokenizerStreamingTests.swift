import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// `StreamingDetokenizer` on a vocabulary of the 256 byte tokens (id = byte value) plus a control token, so
/// that every multi-byte character arrives split across tokens. Needs no model.
struct TokenizerStreamingTests {
    static let control = TokenID(256)

    static func tokenizer() throws -> BPETokenizer {
        let vocabulary = TokenizerTestSupport.smallVocabulary(merges: [], extra: [("<|c|>", .control)])
        return try BPETokenizer(tokens: vocabulary.tokens, merges: [], tokenTypes: vocabulary.types, preTokenizer: "gpt-2")
    }

    /// What `append` returns for each of `ids`, then what `finish` returns.
    static func stream(_ ids: [TokenID], skipSpecial: Bool = false) throws -> (pieces: [String], rest: String) {
        var stream = try tokenizer().streamingDetokenizer(skipSpecial: skipSpecial)
        let pieces = ids.map { stream.append($0) }
        return (pieces, stream.finish())
    }

    static func ids(_ bytes: [UInt8]) -> [TokenID] { bytes.map { TokenID($0) } }

    @Test func aSplitCharacterIsHeldBackUntilItsLastByte() throws {
        let text = "é日👍🏽"
        let ids = try Self.tokenizer().encode(text)
        #expect(ids == Self.ids(Array(text.utf8)))  // every byte its own token
        let (pieces, rest) = try Self.stream(ids)
        #expect(pieces == ["", "é", "", "", "日", "", "", "", "👍", "", "", "", "🏽"])
        #expect(rest.isEmpty)
        #expect(!pieces.joined().unicodeScalars.contains("\u{FFFD}"))
    }

    @Test func bytesThatCanNeverBeACharacterAreReplacedAtOnce() throws {
        // A stray continuation byte; a lead byte followed by ASCII; an invalid lead byte.
        let (pieces, rest) = try Self.stream(Self.ids([0xA9, 0xC3, 0x41, 0xFF, 0x42]))
        #expect(pieces == ["\u{FFFD}", "", "\u{FFFD}A", "\u{FFFD}", "B"])
        #expect(rest.isEmpty)
    }

    @Test func anUnfinishedCharacterAtTheEndBecomesOneReplacement() throws {
        let (pieces, rest) = try Self.stream(Self.ids([0x61, 0xE6, 0x97]))
        #expect(pieces == ["a", "", ""])
        #expect(rest == "\u{FFFD}")
    }

    /// A control token arriving inside a character ends it, as `decode` would; skipped control tokens vanish.
    @Test func controlTokensInsideACharacter() throws {
        let tokenizer = try Self.tokenizer()
        let ids = Self.ids([0xC3]) + [Self.control] + Self.ids([0xA9, 0xC3, 0xA9])
        let (pieces, rest) = try Self.stream(ids)
        #expect(pieces.joined() + rest == tokenizer.decode(ids))
        #expect(pieces == ["", "\u{FFFD}<|c|>", "\u{FFFD}", "", "é"])
        let (skipping, skippedRest) = try Self.stream(Self.ids([0xC3]) + [Self.control] + Self.ids([0xA9]), skipSpecial: true)
        #expect(skipping == ["", "", "é"] && skippedRest.isEmpty)
    }
}
