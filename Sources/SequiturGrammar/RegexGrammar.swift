/// Regular expressions translated to GBNF, so a pattern constrains decoding like any other grammar.
///
/// The emitted grammar's `root` accepts exactly the strings the regex matches as a whole, as if it were written
/// `\A(?:regex)\z`: a decoder constrained by it produces the whole match, not text that merely contains one.
///
/// Supported, with NSRegularExpression's meaning unless noted:
/// - literal characters, any Unicode; a quantifier applies to the last Unicode scalar, as in ICU;
/// - `.`: any scalar except the line terminators \n, \v, \f, \r, U+0085, U+2028 and U+2029, which ICU's default
///   `.` also leaves out;
/// - escapes `\n \t \r \f \a \e`, `\xHH`, `\x{H...}`, `\uHHHH`, `\UHHHHHHHH`, and a backslash before any
///   character that is not an ASCII letter or digit, which stands for that character;
/// - `\d \D \w \W \s \S` with ASCII meanings, unlike ICU's Unicode ones: `\d` is [0-9], `\w` is [A-Za-z0-9_],
///   `\s` is [ \t\n\r\f\v]. Tokenizers and schemas mean ASCII here, and the grammar stays small;
/// - classes `[...]` and `[^...]` with ranges and the escapes above (class escapes included: `[^\d\s]`);
///   `-` is literal first or last, else it makes a range; `]`, `[` and `\` must be escaped, even where
///   ICU would read them literally (`[]a]`), so that no class is read here otherwise than ICU reads it;
/// - groups `(...)`, `(?:...)` and `(?<name>...)`, all treated alike, since capturing does not change
///   what matches;
/// - alternation `|`; quantifiers `* + ? {m} {m,} {m,n}` with bounds up to `maximumRepetitionBound`, and their
///   lazy forms `*?` etc., which only prefer shorter matches and so accept the same whole strings;
/// - `^` as the first and `$` as the last character, ignored because the match is whole-string anyway.
///
/// Refused with a `RegexGrammarError`, because a context-free grammar cannot express them or because their
/// meaning would be guessed: backreferences, lookaround, atomic groups, possessive quantifiers, inline flags,
/// word boundaries and anchors other than the two above, Unicode properties, nested classes and set operations,
/// octal escapes, other escaped letters, a quantifier with nothing to repeat or after another quantifier,
/// `{n,m}` with n > m, unbalanced parentheses, an unescaped `{` or `}` outside a bound, empty classes, ranges
/// that end before they start, a class that matches nothing, and groups nested deeper than 200.
public enum RegexGrammar {
    /// The largest `m` or `n` in `{m,n}`: the automaton holds a copy of the repeated expression per repetition.
    public static let maximumRepetitionBound = 1000
    /// Groups nested deeper than this are refused, so a hostile regex cannot overflow the parser's stack.
    public static let maximumGroupDepth = RegexParser.maximumGroupDepth

    /// GBNF text with one rule, `root`, accepting exactly the strings `regex` matches as a whole.
    public static func gbnf(regex: String) throws(RegexGrammarError) -> String {
        var parser = RegexParser(regex)
        let node = try parser.parse()
        return "root ::= " + alternatives(node) + "\n"
    }

    // MARK: Writing GBNF

    /// An expression at the loosest precedence: alternatives separated by `|`.
    private static func alternatives(_ node: RegexNode) -> String {
        if case .alternation(let options) = node {
            return options.map(sequence).joined(separator: " | ")
        }
        return sequence(node)
    }

    /// An expression that can stand between `|`s: items separated by spaces.
    private static func sequence(_ node: RegexNode) -> String {
        guard case .sequence(let items) = node else { return item(node) }
        if items.isEmpty { return "\"\"" }
        var written: [String] = []
        var literalRun = ""
        for element in items {
            // Consecutive single scalars read better, and parse smaller, as one string.
            if case .scalars(let set) = element, let scalar = set.singleScalar {
                literalRun += escaped(scalar, inClass: false)
                continue
            }
            if !literalRun.isEmpty {
                written.append("\"" + literalRun + "\"")
                literalRun = ""
            }
            written.append(item(element))
        }
        if !literalRun.isEmpty { written.append("\"" + literalRun + "\"") }
        return written.joined(separator: " ")
    }

    /// An expression that can stand in a sequence.
    private static func item(_ node: RegexNode) -> String {
        switch node {
        case .scalars(let set):
            return scalarSet(set)
        case .sequence, .alternation:
            return "(" + alternatives(node) + ")"
        case .repetition(let body, let min, let max):
            return repetition(body, min: min, max: max)
        }
    }

    private static func repetition(_ body: RegexNode, min: Int, max: Int?) -> String {
        if max == 0 { return "\"\"" }
        var body = body
        var min = min
        if body.isNullable {
            // The empty matches of the body can pad any count up to max, so only its non-empty matches need
            // repeating, from zero times; this keeps llama.cpp from seeing left recursion.
            guard let nonEmptyBody = body.withoutEmptyString else { return "\"\"" }
            body = nonEmptyBody
            min = 0
        }
        let operand: String
        switch body {
        case .scalars(let set): operand = scalarSet(set)
        default: operand = "(" + alternatives(body) + ")"
        }
        switch (min, max) {
        case (1, 1): return operand
        case (0, 1): return operand + "?"
        case (0, nil): return operand + "*"
        case (1, nil): return operand + "+"
        case (_, nil): return operand + "{\(min),}"
        case (_, let max?) where max == min: return operand + "{\(min)}"
        case (_, let max?): return operand + "{\(min),\(max)}"
        }
    }

    /// A literal for one scalar, `.` for all of them, otherwise whichever of `[...]` and `[^...]` is shorter.
    private static func scalarSet(_ set: ScalarSet) -> String {
        if let scalar = set.singleScalar { return "\"" + escaped(scalar, inClass: false) + "\"" }
        if set == .any { return "." }
        let complement = set.complement
        // A positive class reaching U+10FFFF would have to spell that noncharacter; its complement never does.
        let reachesTop = set.ranges.last?.upperBound == 0x10FFFF
        if reachesTop || complement.ranges.count < set.ranges.count {
            return "[^" + classBody(complement) + "]"
        }
        return "[" + classBody(set) + "]"
    }

    private static func classBody(_ set: ScalarSet) -> String {
        set.ranges.map { range in
            let low = escaped(Unicode.Scalar(range.lowerBound)!, inClass: true)
            if range.lowerBound == range.upperBound { return low }
            let high = escaped(Unicode.Scalar(range.upperBound)!, inClass: true)
            return range.upperBound == range.lowerBound + 1 ? low + high : low + "-" + high
        }.joined()
    }

    /// One scalar as GBNF text inside a string or a class. Only escapes llama.cpp itself reads are used
    /// (`\\ \" \[ \] \n \r \t \xHH \uHHHH`), so `^` and `-` in classes are written `\x5E` and `\x2D`.
    /// Controls, marks, format and unassigned characters in the BMP are escaped so the text stays readable and
    /// a combining mark cannot fuse with a quote; above the BMP the subset has no escape, so they are literal.
    private static func escaped(_ scalar: Unicode.Scalar, inClass: Bool) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\\": return "\\\\"
        case "\"" where !inClass: return "\\\""
        case "[" where inClass: return "\\["
        case "]" where inClass: return "\\]"
        case "^" where inClass: return "\\x5E"
        case "-" where inClass: return "\\x2D"
        default: break
        }
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return "\\x" + hex(value, digits: 2) }
        if value < 0x7F || value > 0xFFFF { return String(scalar) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return String(scalar)
        default:
            return value <= 0xFF ? "\\x" + hex(value, digits: 2) : "\\u" + hex(value, digits: 4)
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

/// Why a regex could not be translated, and where.
public struct RegexGrammarError: Error, CustomStringConvertible, Equatable {
    /// 0-based offset in Characters of the construct at fault, from the start of the regex.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    /// Columns are 1-based, as editors show them.
    public var description: String { "regex at column \(offset + 1): \(message)" }
}
