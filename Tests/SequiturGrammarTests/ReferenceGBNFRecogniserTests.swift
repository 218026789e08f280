import Testing

/// The oracle is only as good as its own correctness, so it is checked on grammars small enough to judge by eye.
@Suite("Reference GBNF recogniser")
struct ReferenceGBNFRecogniserTests {
    private func recogniser(_ gbnf: String) throws -> ReferenceGBNFRecogniser {
        try ReferenceGBNFRecogniser(gbnf: gbnf)
    }

    @Test func alternationIncludingTheEmptySequence() throws {
        let grammar = try recogniser(#"root ::= "a" | "bc" |"#)
        for accepted in ["", "a", "bc"] { #expect(grammar.accepts(accepted), "\(accepted)") }
        for rejected in ["b", "abc", "aa", "c"] { #expect(!grammar.accepts(rejected), "\(rejected)") }
    }

    @Test func theWholeTextMustMatch() throws {
        let grammar = try recogniser(#"root ::= "ab""#)
        #expect(grammar.accepts("ab"))
        #expect(!grammar.accepts("a"))
        #expect(!grammar.accepts("abb"))
    }

    @Test func prefixesOfSentences() throws {
        let grammar = try recogniser("root ::= \"[\" item (\",\" item)* \"]\"\nitem ::= [0-9]+ | \"true\"")
        for prefix in ["", "[", "[1", "[12,", "[1,t", "[1,tru", "[1,true]"] { #expect(grammar.acceptsPrefix(prefix), "\(prefix)") }
        for dead in ["]", "[,", "[1,,", "[tx", "[1]]", "[1] "] { #expect(!grammar.acceptsPrefix(dead), "\(dead)") }
        #expect(!grammar.accepts("[1,") && grammar.accepts("[1,true]"))
    }

    @Test func repetitionBounds() throws {
        let cases: [(grammar: String, accepted: [Int], rejected: [Int])] = [
            (#"root ::= "x"{2,4}"#, [2, 3, 4], [0, 1, 5]),
            (#"root ::= "x"{3}"#, [3], [2, 4]),
            (#"root ::= "x"{2,}"#, [2, 3, 10], [0, 1]),
            (#"root ::= "x"{0,1}"#, [0, 1], [2]),
            (#"root ::= "x"?"#, [0, 1], [2]),
            (#"root ::= "x"*"#, [0, 1, 7], []),
            (#"root ::= "x"+"#, [1, 7], [0]),
            (#"root ::= ("x" | "xx"){2}"#, [2, 3, 4], [1, 5]),
        ]
        for (gbnf, accepted, rejected) in cases {
            let grammar = try recogniser(gbnf)
            for count in accepted { #expect(grammar.accepts(String(repeating: "x", count: count)), "\(gbnf) on \(count)") }
            for count in rejected { #expect(!grammar.accepts(String(repeating: "x", count: count)), "\(gbnf) on \(count)") }
        }
    }

    @Test func unboundedRepetitionOfSomethingThatCanBeEmptyTerminates() throws {
        let grammar = try recogniser(#"root ::= ("a"?)* "b""#)
        #expect(grammar.accepts("aab"))
        #expect(grammar.accepts("b"))
        #expect(!grammar.accepts("aa"))
    }

    @Test func characterClassesRangesAndNegation() throws {
        let grammar = try recogniser(#"root ::= [a-cx] [^a-c\]]+"#)
        #expect(grammar.accepts("xyz"))
        #expect(grammar.accepts("a-"))
        #expect(!grammar.accepts("axbz"))
        #expect(!grammar.accepts("d"))
        #expect(!grammar.accepts("a]"))
        let punctuation = try recogniser(#"root ::= [,-.]+ [-] [x-]"#)
        #expect(punctuation.accepts(",-.--"))
        #expect(!punctuation.accepts("/--"), "\"/\" lies outside the range ,-.")
        let caret = try recogniser(#"root ::= [a^]"#)
        #expect(caret.accepts("^"))
    }

    @Test func escapesInLiteralsAndClasses() throws {
        let grammar = try recogniser(#"root ::= "\x41\u00e9\n\t\r\\\"" [\-\^\]\\\x00-\x1F]"#)
        #expect(grammar.accepts("Aé\n\t\r\\\"-"))
        #expect(grammar.accepts("Aé\n\t\r\\\"\u{1F}"))
        #expect(grammar.accepts("Aé\n\t\r\\\"]"))
        #expect(!grammar.accepts("Aé\n\t\r\\\" "))
        #expect(!grammar.accepts("Ae\n\t\r\\\"-"))
        let supplementary = try recogniser(#"root ::= [\U0001F600-\U0001F64F]"#)
        #expect(supplementary.accepts("😀"))
        #expect(!supplementary.accepts("👍"))
    }

    @Test func nonASCIIIsMatchedPerScalar() throws {
        let grammar = try recogniser(#"root ::= [ぁ-ゟ]+ "日本""#)
        #expect(grammar.accepts("ひらがな日本"))
        #expect(!grammar.accepts("カタカナ日本"))
        let any = try recogniser("root ::= . .")
        #expect(any.accepts("é日"))
        #expect(any.accepts("👍!"))
        #expect(!any.accepts("abc"))
        #expect(!any.accepts("a"))
    }

    @Test func layoutCommentsAndRuleReferences() throws {
        let gbnf = """
            # a comment before everything
            root ::=
              greeting ( ", " name )? # a comment inside a rule
              "!"
            greeting ::= "hi" |
                "hello"
            name ::= ( [A-Z] [a-z]* # a comment inside a group
            ) | camelCase_name
            camelCase_name ::= "#" [+#]
            """
        let grammar = try recogniser(gbnf)
        for accepted in ["hi!", "hello, Ada!", "hi, #+!", "hi, ##!"] { #expect(grammar.accepts(accepted), "\(accepted)") }
        for rejected in ["hi", "hey!", "hello, ada!", "hi, #!"] { #expect(!grammar.accepts(rejected), "\(rejected)") }
    }

    @Test func recursionThroughRules() throws {
        let grammar = try recogniser(#"root ::= "(" root ")" | "x""#)
        #expect(grammar.accepts("((x))"))
        #expect(!grammar.accepts("((x)"))
    }

    @Test func jsonLikeGrammar() throws {
        let gbnf = #"""
            root   ::= value
            value  ::= object | array | string | number | ("true" | "false" | "null") ws
            object ::=
              "{" ws (
                        string ":" ws value
                ("," ws string ":" ws value)*
              )? "}" ws
            array  ::= "[" ws ( value ("," ws value)* )? "]" ws
            string ::=
              "\"" (
                [^"\\\x7F\x00-\x1F] |
                "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
              )* "\"" ws
            number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
            ws ::= | " " | "\n" [ \t]{0,20}
            """#
        let grammar = try recogniser(gbnf)
        for accepted in [#"{"a": [1, -2.5e3, "x\n\u00e9"], "b": {"c": null}}"#, "[]", "true "] {
            #expect(grammar.accepts(accepted), "\(accepted)")
        }
        for rejected in [#"{"a": 01}"#, #"["\x"]"#, "[1,]", #"{"a" 1}"#] { #expect(!grammar.accepts(rejected), "\(rejected)") }
    }

    @Test func malformedGrammarsAreRefused() {
        for gbnf in [
            #"root ::= "unterminated"#, "root ::= [a-", "root ::= ( \"a\"", "root ::= other", "name ::= \"a\"",
            "root ::= \"a\"{3,1}", #"root ::= "\q""#, "root ::= \"a\"\nroot ::= \"b\"", "root ::= [z-a]",
        ] {
            #expect(throws: ReferenceGBNFRecogniser.SyntaxError.self, "\(gbnf)") { try ReferenceGBNFRecogniser(gbnf: gbnf) }
        }
    }
}
