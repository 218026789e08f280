import Foundation
import Testing
import SequiturGrammar

extension RegexGrammarOracleTests {
    /// A regex under test, the scalars its random candidates are drawn from, and strings written by hand: some it
    /// matches, some it nearly matches.
    struct Case: CustomTestStringConvertible, Sendable {
        let regex: String
        let alphabet: String
        let matching: [String]
        let nonMatching: [String]

        var testDescription: String { regex }
    }

    /// Alphabets avoid non-ASCII digits, letters and spaces wherever `\d \w \s` appear, because there ICU's Unicode
    /// meanings and RegexGrammar's ASCII ones differ on purpose (tested separately below).
    static let cases: [Case] = [
        Case(regex: #"[a-z]+@[a-z]+\.(com|org)"#, alphabet: "abcomrg@.xZ",
                 matching: ["a@b.com", "xyz@org.org"], nonMatching: ["@b.com", "a@b.net", "a@b.co", "A@b.com", "a@b.comm"]),
        Case(regex: #"\d{3}-\d{4}"#, alphabet: "0159-a ",
                 matching: ["555-1234", "000-0000"], nonMatching: ["55-1234", "5551234", "555-12345", "aaa-bbbb"]),
        Case(regex: "(ab|cd)*e?", alphabet: "abcde",
                 matching: ["", "e", "ab", "cdabe", "abab"], nonMatching: ["a", "ee", "eab", "abc"]),
        Case(regex: #"[^\d\s]{2,4}"#, alphabet: "a1 é\t-\n\u{0B}😀",
                 matching: ["ab", "é-😀", "abcd"], nonMatching: ["a", "abcde", "a1", "a b"]),
        Case(regex: #"[^\D\s]+|[^\Wa]-|[\S\d]"#, alphabet: "1a b-\n_",
             matching: ["123", "b-", "_-", "a", "-"], nonMatching: ["", "1a", "a-", " ", "\n"]),
        Case(regex: "colou?r", alphabet: "colur",
                 matching: ["color", "colour"], nonMatching: ["colouur", "colr", "Color"]),
        Case(regex: "(?:x|y){0,3}z", alphabet: "xyz",
                 matching: ["z", "xz", "yxyz"], nonMatching: ["xyxyz", "", "x", "zz"]),
        Case(regex: "é+ü", alphabet: "éüeu\u{0301}",
                 matching: ["éü", "ééü"], nonMatching: ["ü", "é", "eü", "e\u{0301}ü"]),
        Case(regex: "a.c", alphabet: "abc\n\r\u{0B}\u{0C}\u{85}\u{2028}\u{2029}é😀\t ",
                 matching: ["abc", "a😀c", "a c", "a\tc"], nonMatching: ["ac", "a\nc", "a\rc", "a\u{2028}c", "a\u{85}c"]),
        Case(regex: #"\w+"#, alphabet: "aZ_9- ",
                 matching: ["a", "Zz_09"], nonMatching: ["", "a-b", "a b"]),
        Case(regex: #"\W\S\D"#, alphabet: "a1 _-\t",
                 matching: ["-a-", " _a", "-- "], nonMatching: ["a__", "- 1", "-a1"]),
        Case(regex: #"\s+"#, alphabet: " \t\n\r\u{0B}\u{0C}a",
                 matching: [" ", "\t\n\r\u{0C}"], nonMatching: ["", "a", " a"]),
        Case(regex: "x*?y+?z??", alphabet: "xyz",
                 matching: ["y", "xxyyz", "yz"], nonMatching: ["", "xz", "yzz"]),
        Case(regex: "a{2,}b{0,1}c{3}", alphabet: "abc",
                 matching: ["aaccc", "aaaabccc"], nonMatching: ["accc", "aabbccc", "aacc"]),
        Case(regex: "^(foo|bar)$", alphabet: "fobar",
                 matching: ["foo", "bar"], nonMatching: ["foobar", "fo", ""]),
        Case(regex: #"[\^\-\]\\]+"#, alphabet: "^-]\\a[",
                 matching: ["^", "-]\\^"], nonMatching: ["", "a", "[", "^a"]),
        Case(regex: #"\.\*\+\?\(\)\[\]\{\}\|\\\$\^/"#, alphabet: #".*+?()[]{}|\$^/"#,
                 matching: [#".*+?()[]{}|\$^/"#], nonMatching: [#".*+?()[]{}|\$^"#, ""]),
        Case(regex: #"\u00e9\x41\t\x{1F600}"#, alphabet: "éA\ta😀",
                 matching: ["éA\t😀"], nonMatching: ["eA\t😀", "éA 😀", "éA\t"]),
        Case(regex: "(?<word>ab)+c", alphabet: "abc",
                 matching: ["abc", "ababc"], nonMatching: ["c", "abac"]),
        Case(regex: "(a|)(b|c?)*", alphabet: "abcd",
                 matching: ["", "a", "abcbc", "cc"], nonMatching: ["aa", "ba", "d"]),
        Case(regex: "(a*)*b", alphabet: "ab",
                 matching: ["b", "aaab"], nonMatching: ["", "a", "bb"]),
        Case(regex: "[^a-c]+", alphabet: "abcdé😀\n\u{2028}",
                 matching: ["d", "é\n😀", "\u{2028}"], nonMatching: ["", "da", "c"]),
        Case(regex: "[a-cx-z0-9_-]{1,3}", alphabet: "abxz09_-dw",
                 matching: ["a", "_-9", "zzz"], nonMatching: ["", "abcd", "d", "w"]),
        Case(regex: #"-?(0|[1-9][0-9]*)(\.[0-9]+)?"#, alphabet: "-0129.",
                 matching: ["0", "-12.50", "9.0"], nonMatching: ["01", "1.", ".5", "--1"]),
        Case(regex: #""([^"\\]|\\["\\n])*""#, alphabet: "\"\\na",
                 matching: [#""""#, #""a\n\"""#, #""\\""#], nonMatching: [#"""#, #""\""#, #""\a""#]),
        Case(regex: "", alphabet: "a",
                 matching: [""], nonMatching: ["a"]),
        Case(regex: #"[😀-😂]+|\u2028|[\s\S]{5}"#, alphabet: "😀😁😂😃\u{2028}a",
                 matching: ["😀😂", "\u{2028}", "aaaaa"], nonMatching: ["😃", "", "😀😃"]),
        Case(regex: "([ab]{2}){1,2}|c+", alphabet: "abc",
                 matching: ["ab", "abba", "ccc"], nonMatching: ["a", "aba", "abc"]),
        Case(regex: "(?:(?:a|b)c|d)+", alphabet: "abcd",
                 matching: ["ac", "dbcd"], nonMatching: ["", "a", "cd"]),
        Case(regex: #"a]b\}| #c|(?:)|x||y"#, alphabet: "ab]} #cxy",
                 matching: ["a]b}", " #c", "", "x", "y"], nonMatching: ["ab", "#c", "xy"]),
        Case(regex: "^ab$", alphabet: "ab\n",
                 matching: ["ab"], nonMatching: ["ab\n", "\nab", "a"]),
        Case(regex: #"[\x00-\x1F\u007F "]+"#, alphabet: "\u{00}\u{1F}\u{7F} \"a",
                 matching: ["\u{00}", " \"\u{7F}"], nonMatching: ["", "a"]),
    ]
}

/// Whether NSRegularExpression matches all of `string`. `\A...\z` rather than `^...$`, because ICU's `$` also
/// matches before a final line terminator, which would make "abc\n" a whole match of `abc`.
private func oracleMatches(_ regex: NSRegularExpression, _ string: String) -> Bool {
    regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
}

/// Hand-written strings, random strings over the alphabet, and one-scalar edits of the matching strings,
/// which land just outside the language more often than random strings do.
private func candidates(for regexCase: RegexGrammarOracleTests.Case, seed: UInt64) -> [String] {
    var generator = SplitMix64(state: seed)
    let alphabet = Array(regexCase.alphabet.unicodeScalars)
    func string(_ scalars: [Unicode.Scalar]) -> String { String(String.UnicodeScalarView(scalars)) }
    var result = regexCase.matching + regexCase.nonMatching
    for _ in 0..<400 {
        let length = Int.random(in: 0...8, using: &generator)
        result.append(string((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
    }
    for positive in regexCase.matching {
        let scalars = Array(positive.unicodeScalars)
        for _ in 0..<30 {
            var edited = scalars
            let index = Int.random(in: 0...edited.count, using: &generator)
            let replacement = alphabet.randomElement(using: &generator)!
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: edited.insert(replacement, at: index)
            case 1 where index < edited.count: edited.remove(at: index)
            default: if index < edited.count { edited[index] = replacement } else { edited.append(replacement) }
            }
            result.append(string(edited))
        }
    }
    return result
}

@Suite("RegexGrammar against NSRegularExpression")
struct RegexGrammarOracleTests {
    @Test(arguments: cases)
    func acceptsExactlyWhatTheOracleMatchesWhole(_ regexCase: Case) throws {
        let oracle = try NSRegularExpression(pattern: #"\A(?:"# + regexCase.regex + #")\z"#)
        let grammar = try RegexGrammar.gbnf(regex: regexCase.regex)
        let recogniser = try ReferenceGBNFRecogniser(gbnf: grammar)
        let automaton = try GrammarAutomaton(gbnf: grammar)
        for string in regexCase.matching {
            #expect(oracleMatches(oracle, string), "hand-written match \(string.debugDescription) is not one")
        }
        for string in regexCase.nonMatching {
            #expect(!oracleMatches(oracle, string), "hand-written non-match \(string.debugDescription) matches")
        }
        var disagreements: [String] = []
        for string in candidates(for: regexCase, seed: UInt64(truncatingIfNeeded: regexCase.regex.unicodeScalars.count) &+ 17) {
            let expected = oracleMatches(oracle, string)
            if recogniser.accepts(string) != expected || automaton.accepts(string) != expected { disagreements.append(string) }
        }
        #expect(disagreements.isEmpty, "grammar \(grammar.debugDescription) (reference recogniser or automaton) disagrees with ICU on \(disagreements.prefix(5).map(\.debugDescription))")
    }
}

/// Small random regexes over a, b, 1 and newline: nesting, empty alternatives and quantified groups that can
/// match the empty string come up far more often than anyone writes them by hand.
///
/// Only greedy quantifiers: ICU mishandles a lazy quantifier before a lazy loop whose body can be empty
/// (`\A(?:.{1,3}?(b?)*?)\z` does not match "ba") and backtracks for seconds on such patterns, so it is no oracle
/// there. Laziness cannot change whole-string acceptance anyway; `RegexGrammarOracleTests.cases` covers its syntax.
@Suite("RegexGrammar on random regexes")
struct RegexGrammarRandomRegexTests {
    private static func randomRegex(depth: Int, using generator: inout SplitMix64) -> String {
        let alternativeCount = Int.random(in: 1...(depth > 0 ? 3 : 1), using: &generator)
        return (0..<alternativeCount).map { _ in
            (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                let atoms = [
                    "a", "b", "1", ".", "[ab]", "[^a]", #"\d"#, #"\W"#, #"\n"#, "[a-b1]", #"[^\d\n]"#, #"[\Wa]"#,
                ]
                var atom = atoms.randomElement(using: &generator)!
                if depth > 0, Int.random(in: 0..<3, using: &generator) == 0 {
                    let open = Bool.random(using: &generator) ? "(" : "(?:"
                    atom = open + randomRegex(depth: depth - 1, using: &generator) + ")"
                }
                let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}"]
                return atom + quantifiers.randomElement(using: &generator)!
            }.joined()
        }.joined(separator: "|")
    }

    @Test func randomRegexesAgreeWithTheOracle() throws {
        var generator = SplitMix64(state: 2024)
        let alphabet: [Character] = ["a", "b", "1", "\n", "-"]
        for _ in 0..<300 {
            let regex = Self.randomRegex(depth: 2, using: &generator)
            let oracle = try NSRegularExpression(pattern: #"\A(?:"# + regex + #")\z"#)
            let grammar = try RegexGrammar.gbnf(regex: regex)
            let recogniser = try ReferenceGBNFRecogniser(gbnf: grammar)
            let automaton = try GrammarAutomaton(gbnf: grammar)
            var disagreements: [String] = []
            for _ in 0..<80 {
                let length = Int.random(in: 0...6, using: &generator)
                let string = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
                let expected = oracleMatches(oracle, string)
                if recogniser.accepts(string) != expected || automaton.accepts(string) != expected { disagreements.append(string) }
            }
            #expect(disagreements.isEmpty, "\(regex) as \(grammar.debugDescription) disagrees on \(disagreements.prefix(5))")
        }
    }
}

@Suite("RegexGrammar output")
struct RegexGrammarOutputTests {
    @Test func writesLiteralRunsAsStringsAndQuantifiersAsPostfix() throws {
        #expect(try RegexGrammar.gbnf(regex: "colou?r") == "root ::= \"colo\" \"u\"? \"r\"\n")
        #expect(try RegexGrammar.gbnf(regex: #"\d{3}-\d{4}"#) == "root ::= [0-9]{3} \"-\" [0-9]{4}\n")
        #expect(try RegexGrammar.gbnf(regex: "(ab|cd)*e?") == "root ::= (\"ab\" | \"cd\")* \"e\"?\n")
    }

    @Test func writesNegatedClassesByTheirComplement() throws {
        #expect(try RegexGrammar.gbnf(regex: #"[^\d\s]"#) == "root ::= [^\\t-\\r 0-9]\n")
        #expect(try RegexGrammar.gbnf(regex: ".") == "root ::= [^\\n-\\r\\x85\\u2028\\u2029]\n")
        #expect(try RegexGrammar.gbnf(regex: #"[\s\S]"#) == "root ::= .\n")
    }

    @Test func escapesClassPunctuationWithEscapesLlamaCppReads() throws {
        #expect(try RegexGrammar.gbnf(regex: #"[\^\-\]\\"]"#) == #"root ::= ["\x2D\\-\x5E]"# + "\n")
        #expect(try RegexGrammar.gbnf(regex: #"\"\\"#) == #"root ::= "\"\\""# + "\n")
    }

    @Test func doesNotRepeatWhatCanBeEmpty() throws {
        // llama.cpp would refuse `(""|"a")*` as left-recursive.
        #expect(try RegexGrammar.gbnf(regex: "(a|)*") == "root ::= \"a\"*\n")
        #expect(try RegexGrammar.gbnf(regex: "(a*)+") == "root ::= (\"a\"+)*\n")
        #expect(try RegexGrammar.gbnf(regex: "()*x{0}") == "root ::= \"\" \"\"\n")
        #expect(try RegexGrammar.gbnf(regex: "(a?b?)*") == "root ::= (\"a\" \"b\"? | \"b\")*\n")
    }

    /// Deliberate differences from ICU, whose \d, \w and \s are Unicode-wide.
    @Test func classEscapesHaveASCIIMeanings() throws {
        let digits = try ReferenceGBNFRecogniser(gbnf: RegexGrammar.gbnf(regex: #"\d"#))
        #expect(digits.accepts("7"))
        #expect(!digits.accepts("\u{0663}"))  // ARABIC-INDIC DIGIT THREE is \d in ICU
        let word = try ReferenceGBNFRecogniser(gbnf: RegexGrammar.gbnf(regex: #"\w"#))
        #expect(word.accepts("_"))
        #expect(!word.accepts("é"))
        let space = try ReferenceGBNFRecogniser(gbnf: RegexGrammar.gbnf(regex: #"\s"#))
        #expect(space.accepts("\u{0B}"))
        #expect(!space.accepts("\u{A0}"))
        let notSpace = try ReferenceGBNFRecogniser(gbnf: RegexGrammar.gbnf(regex: #"\S"#))
        #expect(notSpace.accepts("\u{A0}"))
    }
}

@Suite("RegexGrammar refusals")
struct RegexGrammarErrorTests {
    struct Refusal: CustomTestStringConvertible, Sendable {
        let regex: String
        let offset: Int
        let message: String
        var testDescription: String { regex }
    }

    static let refusals: [Refusal] = [
        Refusal(regex: #"(a)\1"#, offset: 3, message: #"backreferences like \1 are not supported: matching what a group matched is beyond a grammar"#),
        Refusal(regex: #"(?<n>a)\k<n>"#, offset: 7, message: #"named backreferences \k<name> are not supported: matching what a group matched is beyond a grammar"#),
        Refusal(regex: "a(?=b)", offset: 1, message: "lookahead is not supported: a grammar cannot look ahead of what it matches"),
        Refusal(regex: "a(?!b)", offset: 1, message: "lookahead is not supported: a grammar cannot look ahead of what it matches"),
        Refusal(regex: "(?<=a)b", offset: 0, message: "lookbehind is not supported: a grammar cannot look back at what it matched"),
        Refusal(regex: "(?<!a)b", offset: 0, message: "lookbehind is not supported: a grammar cannot look back at what it matched"),
        Refusal(regex: "(?>a)", offset: 0, message: "atomic groups are not supported: they can reject strings a plain group accepts, which a grammar cannot express"),
        Refusal(regex: "(?i)a", offset: 0, message: "inline flags, comments and other (?...) groups are not supported"),
        Refusal(regex: "(?P<n>a)", offset: 0, message: "(?P<name>...) is not supported; write a named group as (?<name>...)"),
        Refusal(regex: "(?<1>a)", offset: 0, message: #"a group name must be ASCII letters and digits, starting with a letter, closed by ">""#),
        Refusal(regex: #"a\bc"#, offset: 1, message: #"word boundaries \b are not supported: a grammar cannot look at the characters around a position"#),
        Refusal(regex: #"\Aa"#, offset: 0, message: #"anchor \A is not supported: the match is whole-string already"#),
        Refusal(regex: "a^b", offset: 1, message: #""^" is only supported at the very start of the regex: anchors elsewhere are not supported"#),
        Refusal(regex: "a$b", offset: 1, message: #""$" is only supported at the very end of the regex: anchors elsewhere are not supported"#),
        Refusal(regex: "(a$)", offset: 2, message: #""$" is only supported at the very end of the regex: anchors elsewhere are not supported"#),
        Refusal(regex: "a*+", offset: 2, message: "possessive quantifiers are not supported: they can reject strings a plain quantifier accepts, which a grammar cannot express"),
        Refusal(regex: "a{2}+", offset: 4, message: "possessive quantifiers are not supported: they can reject strings a plain quantifier accepts, which a grammar cannot express"),
        Refusal(regex: "a**", offset: 2, message: "a quantifier cannot follow another quantifier; group the first one in (?:...)"),
        Refusal(regex: "a{3,2}", offset: 1, message: "repetition bound {3,2} has its minimum above its maximum"),
        Refusal(regex: "a{1001}", offset: 2, message: "repetition bound above 1000: the automaton holds a copy of the repeated expression for every repetition, so large bounds make it too big"),
        Refusal(regex: "a{2,99999999999999999999}", offset: 4, message: "repetition bound above 1000: the automaton holds a copy of the repeated expression for every repetition, so large bounds make it too big"),
        Refusal(regex: "a{x}", offset: 1, message: #""{" must start a repetition bound {m}, {m,} or {m,n}; escape it as \{ to match it"#),
        Refusal(regex: "a{,3}", offset: 1, message: #""{" must start a repetition bound {m}, {m,} or {m,n}; escape it as \{ to match it"#),
        Refusal(regex: "ab}", offset: 2, message: #""}" closes no repetition bound; escape it as \} to match it"#),
        Refusal(regex: "(ab", offset: 0, message: #"unbalanced "(": no ")" closes it"#),
        Refusal(regex: "ab)c", offset: 2, message: #"unbalanced ")": no "(" opens it"#),
        Refusal(regex: "éü(?:x))", offset: 7, message: #"unbalanced ")": no "(" opens it"#),
        Refusal(regex: "*a", offset: 0, message: #"quantifier "*" has nothing to repeat"#),
        Refusal(regex: "a|+", offset: 2, message: #"quantifier "+" has nothing to repeat"#),
        Refusal(regex: "^?", offset: 1, message: #"quantifier "?" has nothing to repeat"#),
        Refusal(regex: "({2})", offset: 1, message: #"quantifier "{" has nothing to repeat"#),
        Refusal(regex: "a[]", offset: 1, message: #"empty character class "[]"; to match "]" escape it as \]"#),
        Refusal(regex: "[^]", offset: 0, message: #"empty character class "[]"; to match "]" escape it as \]"#),
        Refusal(regex: "x[z-a]", offset: 2, message: #"invalid range "z-a": its start comes after its end"#),
        Refusal(regex: "[ab", offset: 0, message: #"unterminated character class: no "]" closes it"#),
        Refusal(regex: #"[\d-z]"#, offset: 1, message: "a range must start at a single character, not at a class escape"),
        Refusal(regex: #"[a-\d]"#, offset: 3, message: "a range must end at a single character, not at a class escape"),
        Refusal(regex: "[a-c-e]", offset: 4, message: #"a "-" right after a range is ambiguous; escape it as \-"#),
        Refusal(regex: "[a[b]]", offset: 2, message: #"nested classes and POSIX classes like [:alpha:] are not supported; to match "[" escape it as \["#),
        Refusal(regex: "[a&&b]", offset: 2, message: #""&&" (set intersection) is not supported; escape "&" as \&"#),
        Refusal(regex: #"[^\s\S]"#, offset: 0, message: "character class matches no character"),
        Refusal(regex: #"\p{L}"#, offset: 0, message: #"Unicode property classes \p{...} are not supported; write the ranges in a class"#),
        Refusal(regex: #"\Qa\E"#, offset: 0, message: #"quoting with \Q...\E is not supported; escape each character"#),
        Refusal(regex: #"a\0"#, offset: 1, message: #"octal escapes like \0 are not supported; write \xHH"#),
        Refusal(regex: #"\y"#, offset: 0, message: #"unsupported escape \y"#),
        Refusal(regex: #"ab\"#, offset: 2, message: "trailing backslash escapes nothing"),
        Refusal(regex: #"\u12"#, offset: 0, message: #"\u needs exactly 4 hexadecimal digits"#),
        Refusal(regex: #"\x{D800}"#, offset: 0, message: #"\x names U+D800, which is not a Unicode scalar"#),
    ]

    @Test(arguments: refusals)
    func refusesWithColumnAndReason(_ refusal: Refusal) {
        #expect(throws: RegexGrammarError(offset: refusal.offset, message: refusal.message)) {
            try RegexGrammar.gbnf(regex: refusal.regex)
        }
    }

    @Test func describesTheErrorWithAOneBasedColumn() {
        let error = RegexGrammarError(offset: 6, message: #"unbalanced ")": no "(" opens it"#)
        #expect(error.description == #"regex at column 7: unbalanced ")": no "(" opens it"#)
    }

    @Test func countsColumnsInCharactersNotScalars() {
        // "e" + COMBINING ACUTE is one Character: the ")" is the third.
        #expect(throws: RegexGrammarError(offset: 2, message: #"unbalanced ")": no "(" opens it"#)) {
            try RegexGrammar.gbnf(regex: "e\u{0301}a)")
        }
    }

    @Test func refusesGroupsNestedTooDeeply() throws {
        let depth = RegexGrammar.maximumGroupDepth
        let deepest = String(repeating: "(", count: depth) + "a" + String(repeating: ")", count: depth)
        #expect(try RegexGrammar.gbnf(regex: deepest) == "root ::= \"a\"\n")
        #expect(throws: RegexGrammarError(offset: depth, message: "groups nested deeper than \(depth) are not supported")) {
            try RegexGrammar.gbnf(regex: "(" + deepest + ")")
        }
    }

    @Test func acceptsTheLargestBound() throws {
        let recogniser = try ReferenceGBNFRecogniser(gbnf: RegexGrammar.gbnf(regex: "a{1000}"))
        #expect(recogniser.accepts(String(repeating: "a", count: 1000)))
        #expect(!recogniser.accepts(String(repeating: "a", count: 999)))
    }
}
