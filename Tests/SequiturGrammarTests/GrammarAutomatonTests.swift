import Testing
import SequiturGrammar

/// The automaton on small grammars: what it accepts, what it rejects, and states inside a UTF-8 character.
struct GrammarAutomatonTests {
    private func automaton(_ gbnf: String) throws -> GrammarAutomaton { try GrammarAutomaton(gbnf: gbnf) }

    @Test func literalsChoicesAndSequences() throws {
        let g = try automaton(#"root ::= "yes" | "no" | "may" "be""#)
        for s in ["yes", "no", "maybe"] { #expect(g.accepts(s), "\(s)") }
        for s in ["", "ye", "yess", "may", "nob"] { #expect(!g.accepts(s), "\(s)") }
    }

    @Test func repetitionBounds() throws {
        let g = try automaton(#"root ::= "a"{2,4} "b"* "c"? "d"+ "e"{3} "f"{2,}"#)
        #expect(g.accepts("aabdeeeff"))
        #expect(g.accepts("aaaabbbbcddddeeefffff"))
        #expect(!g.accepts("abdeeeff"))        // one a
        #expect(!g.accepts("aaaaabdeeeff"))    // five a
        #expect(!g.accepts("aabeeeff"))        // no d
        #expect(!g.accepts("aabdeeff"))        // two e
        #expect(!g.accepts("aabdeeef"))        // one f
        #expect(!g.accepts("aabccdeeeff"))     // two c
        let upTo = try automaton(#"root ::= "x"{,2}"#)
        #expect(upTo.accepts("") && upTo.accepts("xx") && !upTo.accepts("xxx"))
    }

    @Test func classesNegationAndEscapes() throws {
        let g = try automaton(#"root ::= [a-c0-9_]+ [^a-z\]\n] "\x41\u00e9\t\"\\""#)
        #expect(g.accepts("a1_bZAé\t\"\\"))
        #expect(g.accepts("c]AAé\t\"\\") == false)   // ] is excluded
        #expect(!g.accepts("dZAé\t\"\\"))            // d not in [a-c]
        #expect(!g.accepts("aqAé\t\"\\"))            // q is in a-z
        #expect(g.accepts("a€Aé\t\"\\"))             // a three-byte scalar
        #expect(g.accepts("a😀Aé\t\"\\"))            // a four-byte scalar
    }

    @Test func anyScalarAndNonASCII() throws {
        let g = try automaton(#"root ::= "«" . "»" | "日本" [語人]"#)
        #expect(g.accepts("«x»") && g.accepts("«é»") && g.accepts("«😀»") && g.accepts("日本語") && g.accepts("日本人"))
        #expect(!g.accepts("«»") && !g.accepts("«xy»") && !g.accepts("日本"))
    }

    /// A token may end inside a character: the state between its bytes is live, and only the right
    /// continuation bytes follow.
    @Test func statesInsideACharacter() throws {
        let g = try automaton(#"root ::= "é" | "ê""#)
        let e = Array("é".utf8), circumflex = Array("ê".utf8)
        let lead = g.advance(g.initial, over: [e[0]])
        #expect(lead != GrammarAutomaton.dead && !g.isAccepting(lead))
        #expect(g.isAccepting(g.advance(lead, over: [e[1]])))
        #expect(g.isAccepting(g.advance(lead, over: [circumflex[1]])))
        #expect(g.advance(lead, over: [0x80]) == GrammarAutomaton.dead)
        #expect(g.advance(g.initial, over: [0xC3, 0xC3]) == GrammarAutomaton.dead)
    }

    @Test func recursionNullableRulesAndTailCalls() throws {
        let g = try automaton("""
        root  ::= value
        value ::= "[" ws ( value ( "," ws value )* )? "]" ws | [0-9]+ ws
        ws    ::= [ ]*
        """)
        for s in ["[]", "[1,2]", "[[1], [2, [3]] ]", "7", "[ [ ] ]"] { #expect(g.accepts(s), "\(s)") }
        for s in ["[", "[1,]", "]", "[1 2]", ""] { #expect(!g.accepts(s), "\(s)") }
        // A nullable body repeated (x?)* and a rule that tail-calls itself through a nullable prefix terminate.
        let nullableStar = try automaton(#"root ::= ("a"?)* "b""#)
        #expect(nullableStar.accepts("aab") && nullableStar.accepts("b") && !nullableStar.accepts("aa"))
        let tail = try automaton("root ::= opt root | \"z\"\nopt ::= \"y\"?")
        #expect(tail.accepts("yyz") && tail.accepts("z") && !tail.accepts("y"))
    }

    @Test func finalAndAcceptingStates() throws {
        let g = try automaton(#"root ::= "ab" "c"?"#)
        let ab = g.advance(g.initial, over: Array("ab".utf8))
        #expect(g.isAccepting(ab) && !g.isFinal(ab))
        let abc = g.advance(ab, over: Array("c".utf8))
        #expect(g.isAccepting(abc) && g.isFinal(abc))
        #expect(!g.isAccepting(g.initial))
    }

    /// Every scalar is in a class's automaton exactly when it is in the class's set, for random sets that
    /// straddle the UTF-8 length boundaries.
    @Test func classesMatchTheirScalarSets() throws {
        var rng = SplitMix64(state: 11)
        let edges: [UInt32] = [0, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x3FFFF, 0x10FFFF]
        for _ in 0..<20 {
            var ranges: [ClosedRange<UInt32>] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let a = edges.randomElement(using: &rng)! &+ UInt32.random(in: 0...3, using: &rng)
                let b = a &+ UInt32.random(in: 0...0x2000, using: &rng)
                ranges.append(min(a, 0x10FFFF)...min(b, 0x10FFFF))
            }
            let set = ScalarSet(ranges)
            let g = try GrammarAutomaton(GrammarDefinition(
                rules: [.init(name: "root", body: .scalars(set), line: 1, column: 1)], root: 0))
            var probes = edges.flatMap { [$0, $0 &+ 1, $0 &- 1] }
            for r in set.ranges { probes += [r.lowerBound, r.upperBound, r.lowerBound &- 1, r.upperBound &+ 1] }
            for _ in 0..<200 { probes.append(UInt32.random(in: 0...0x10FFFF, using: &rng)) }
            for v in probes {
                guard let scalar = Unicode.Scalar(v) else { continue }
                #expect(g.accepts(String(Character(scalar))) == set.contains(scalar), "U+\(String(v, radix: 16)) in \(set.ranges)")
            }
        }
    }
}
