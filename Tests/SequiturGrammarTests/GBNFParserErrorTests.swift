import Testing
import SequiturGrammar

/// A grammar that cannot be used says where: line and column, and what was wrong.
struct GBNFParserErrorTests {
    private func error(_ gbnf: String) -> GrammarError? {
        do {
            _ = try GrammarAutomaton(gbnf: gbnf)
            return nil
        } catch let e as GrammarError {
            return e
        } catch {
            Issue.record("not a GrammarError: \(error)")
            return nil
        }
    }

    @Test(arguments: [
        ("root ::= \"a\"\nitem \"b\"", 2, 6, "expected ::= after rule name \"item\""),
        ("root ::= \"abc", 1, 14, "unterminated string literal"),
        ("root ::= [a-z", 1, 14, "unterminated character class"),
        ("root ::= \"a\"\nx ::= [b-\n", 2, 10, "unterminated character class"),
        ("root ::= [z-a]", 1, 11, "range \"z\"-\"a\" runs backwards"),
        ("root ::= (\"a\" | \"b\"", 1, 20, "missing ) for the ( at line 1, column 10"),
        ("root ::= \"a\" item\n", 1, 14, "rule \"item\" is used but never defined"),
        ("start ::= \"a\"", 1, 14, "the grammar defines no \"root\" rule (its start rule)"),
        ("root ::= \"a\"{3,2}", 1, 13, "repetition {3,2} has its maximum below its minimum"),
        ("root ::= \"a\"{99999999}", 1, 22, "repetition count 99999999 is above the limit of 10000"),
        ("root ::= \"\\q\"", 1, 11, "unknown escape \\q"),
        ("root ::= x\nx ::= ((\"ab\"{100}){100}){1000}", 2, 1,
         "rule \"x\" makes the grammar too large (over 2000000 symbols once repetitions are unrolled); use * or + instead of large {m,n} bounds"),
        ("root ::= \"\\uD800\"", 1, 17, "escape U+D800 is not a Unicode scalar (a surrogate or beyond U+10FFFF)"),
        ("root ::= \"a\" ) \"b\"", 1, 14, "unexpected \")\" in rule \"root\""),
        ("root ::= <think>", 1, 10, "token references (<...>) are not supported; write the token's text as a literal"),
        ("root ::= \"x\"\n\nlist ::= list \",\" \"x\" | \"x\"", 3, 1,
         "rule \"list\" is left-recursive (it can reach itself before matching any text); rewrite it with repetition, e.g. x ::= y (\",\" y)*"),
        ("root ::= a \"x\"\na ::= b\nb ::= \"y\"? root", 1, 1,
         "rule \"root\" is left-recursive (it can reach itself before matching any text); rewrite it with repetition, e.g. x ::= y (\",\" y)*"),
    ] as [(String, Int, Int, String)])
    func reportsWhereAndWhat(_ gbnf: String, _ line: Int, _ column: Int, _ message: String) {
        let e = error(gbnf)
        #expect(e == GrammarError(line: line, column: column, message: message), "\(gbnf)")
    }

    @Test func fileNameLeadsTheDescription() {
        let e = GrammarError(line: 2, column: 5, message: "unterminated string literal").in(file: "g.gbnf")
        #expect(e.description == "g.gbnf: grammar line 2, column 5: unterminated string literal")
    }
}
