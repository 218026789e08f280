import SequiturCore
import SequiturScoring
import Testing

@Suite struct TextScoringSplitterTests {
    static let words = ["The", " capital", " of", " France", " is", " Paris", "Paris", " ", "x", "a", "b", "c", "ab", "\n", "\t"]
    let encoder = GreedyPieceEncoder(pieces: Self.words)
    func id(_ piece: String) -> TokenID { TokenID(Self.words.firstIndex(of: piece)!) }

    @Test func aLeadingSpaceBelongsToTheContinuation() throws {
        let splitter = TextScoringSplitter(encoder: encoder)
        let (x, y) = try splitter.split(context: "The capital of France is", continuation: " Paris")
        #expect(x == ["The", " capital", " of", " France", " is"].map(id))
        #expect(y == [id(" Paris")])
    }

    @Test func trailingContextWhitespaceMovesToTheContinuation() throws {
        let splitter = TextScoringSplitter(encoder: encoder)
        let moved = try splitter.split(context: "The capital of France is ", continuation: "Paris")
        let given = try splitter.split(context: "The capital of France is", continuation: " Paris")
        #expect(moved.context == given.context && moved.continuation == given.continuation)
        // Without the move, "is " would end the context with a lone " " token and "Paris" would lose its space.
        let several = try splitter.split(context: "x \n\t", continuation: "a")
        #expect(several.context == [id("x")])
        #expect(several.continuation == [" ", "\n", "\t", "a"].map(id))
    }

    @Test func whitespaceIsPythonsIsspace() {
        func move(_ c: String) -> (String, String) {
            let r = TextScoringSplitter.moveTrailingWhitespace(context: c, continuation: "Y")
            return (r.context, r.continuation)
        }
        #expect(move("ab") == ("ab", "Y"))
        #expect(move("a b \r\n") == ("a b", " \r\nY"))                 // CRLF is one Character but two spaces
        #expect(move("a\u{1C}\u{1F}") == ("a", "\u{1C}\u{1F}Y"))       // Python's isspace, not Unicode's
        #expect(move("a\u{3000}\u{A0}\u{85}\u{2029}") == ("a", "\u{3000}\u{A0}\u{85}\u{2029}Y"))
        #expect(move("a\u{200B}") == ("a\u{200B}", "Y"))               // zero-width space is not whitespace
        #expect(move("é ") == ("é", " Y"))
        #expect(move("e\u{301} ") == ("e\u{301}", " Y"))                // combining mark stays with its letter
        #expect(move("  ") == ("", "  Y"))
    }

    @Test func aMergeAcrossTheBoundarySplitsAtTheContextEncodingLength() throws {
        let splitter = TextScoringSplitter(encoder: encoder)
        // Alone, "xa" is [x, a]; together, "xabc" is [x, ab, c]: the boundary token "ab" merged across.
        #expect(try encoder.encode("xabc") == ["x", "ab", "c"].map(id))
        let (x, y) = try splitter.split(context: "xa", continuation: "bc")
        #expect(x == ["x", "a"].map(id))
        #expect(y == [id("c")])                                       // whole[2...], as the harness does
        // The merge can swallow the whole continuation.
        let swallowed = try splitter.split(context: "xa", continuation: "b")
        #expect(swallowed.context == ["x", "a"].map(id) && swallowed.continuation.isEmpty)
    }

    @Test func emptyContextUsesThePrefixTokenOrThrows() throws {
        let withPrefix = TextScoringSplitter(encoder: encoder, prefixToken: 99)
        let (x, y) = try withPrefix.split(context: "", continuation: " Paris")
        #expect(x == [99] && y == [id(" Paris")])
        let without = TextScoringSplitter(encoder: encoder)
        #expect(throws: ScoringError.emptyContext(id: "q1")) {
            try without.request(id: "q1", context: "", continuation: "a")
        }
        // Only whitespace: after the move, nothing is left to condition on (the harness would index an empty list).
        #expect(throws: ScoringError.emptyContext(id: "q2")) {
            try withPrefix.request(id: "q2", context: "  ", continuation: "a")
        }
    }

    @Test func encoderErrorsPropagate() {
        let splitter = TextScoringSplitter(encoder: encoder)
        #expect(throws: GreedyPieceEncoder.UnknownText.self) {
            try splitter.split(context: "The", continuation: " zebra")
        }
    }

    @Test func requestCarriesTheIdAndSplit() throws {
        let r = try TextScoringSplitter(encoder: encoder).request(id: "q", context: "x", continuation: "ab")
        #expect(r == ScoringRequest(id: "q", context: [id("x")], continuation: [id("ab")]))
    }
}
