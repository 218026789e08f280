import Testing
import SequiturGrammar

/// The trie walk allows exactly the tokens whose bytes the automaton can take from the state (the definition a
/// mask must meet), on random vocabularies, for every state a random walk reaches.
struct TokenMaskerTests {
    @Test(arguments: [1, 2, 3])
    func masksEqualTokenByTokenAdvance(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        let alphabet = Array("{}[]\":, 0123456789abtrufelsn\\é".utf8)
        var vocabulary: [[UInt8]] = [[]]   // a control token with no bytes
        for _ in 0..<397 {
            vocabulary.append((0..<Int.random(in: 1...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        }
        vocabulary.append(Array("é".utf8.prefix(1)))   // half a character
        let automaton = try GrammarAutomaton(gbnf: """
        root   ::= value
        value  ::= object | array | string | number | "true" | "false" | "null"
        object ::= "{" ws ( string ":" ws value ( "," ws string ":" ws value )* )? "}" ws
        array  ::= "[" ws ( value ( "," ws value )* )? "]" ws
        string ::= "\\"" ( [^"\\\\] | "\\\\" ["\\\\/bfnrt] )* "\\"" ws
        number ::= "-"? [0-9]+ ws
        ws     ::= [ ]?
        """)
        let masker = TokenMasker(automaton: automaton, tokenBytes: vocabulary)
        var state = automaton.initial
        for _ in 0..<40 {
            let mask = masker.allowedTokens(state)
            var allowed: [Int32] = []
            for t in vocabulary.indices {
                let expected = !vocabulary[t].isEmpty && automaton.advance(state, over: vocabulary[t]) != GrammarAutomaton.dead
                #expect(mask.contains(Int32(t)) == expected, "token \(t) \(vocabulary[t]) in state \(state)")
                if expected { allowed.append(Int32(t)) }
            }
            guard let pick = allowed.randomElement(using: &rng) else { break }
            state = masker.advance(state, token: pick)
        }
    }

    /// Trailing whitespace: a token ending in whitespace is allowed only where a non-whitespace byte can follow.
    @Test func trimmingTrailingWhitespace() throws {
        let automaton = try GrammarAutomaton(gbnf: #"root ::= "{" ws "}" ws  ws ::= [ \n]*"#.replacingOccurrences(of: "  ws ::=", with: "\nws ::="))
        let vocabulary: [[UInt8]] = ["{", " ", "}", "} ", " }", "\n\n"].map { Array($0.utf8) }
        let trimming = TokenMasker(automaton: automaton, tokenBytes: vocabulary, trimsTrailingWhitespace: true)
        let plain = TokenMasker(automaton: automaton, tokenBytes: vocabulary)
        func allowed(_ masker: TokenMasker, after text: String) -> [Int32] {
            let state = automaton.advance(automaton.initial, over: Array(text.utf8))
            return (0..<Int32(vocabulary.count)).filter { masker.allowedTokens(state).contains($0) }
        }
        #expect(allowed(trimming, after: "") == [0])
        #expect(allowed(trimming, after: "{") == [1, 2, 4, 5])      // not "} ": only whitespace could follow it
        #expect(allowed(plain, after: "{") == [1, 2, 3, 4, 5])
        #expect(allowed(trimming, after: "{}") == [])
        #expect(allowed(plain, after: "{}") == [1, 5])
        #expect(allowed(trimming, after: "{ \n") == [1, 2, 4, 5])
    }

    @Test func forbidOthersSetsExactlyTheOthers() {
        var mask = TokenMask(count: 130)
        for t: Int32 in [0, 63, 64, 129] { mask.insert(t) }
        var row = (0..<130).map { Float($0) * -0.5 }
        mask.forbidOthers(in: &row)
        for t in 0..<130 { #expect(row[t].isFinite == mask.contains(Int32(t))) }
        #expect(mask.population == 4)
    }
}
