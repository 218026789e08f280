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

    @Test func forbidOthersSetsExactlyTheOthers() {
        var mask = TokenMask(count: 130)
        for t: Int32 in [0, 63, 64, 129] { mask.insert(t) }
        var row = (0..<130).map { Float($0) * -0.5 }
        mask.forbidOthers(in: &row)
        for t in 0..<130 { #expect(row[t].isFinite == mask.contains(Int32(t))) }
        #expect(mask.population == 4)
    }
}
