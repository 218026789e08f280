/// Parses GBNF, llama.cpp's grammar format (its `grammars/` folder and `json_schema_to_grammar` output):
///
/// ```
/// root   ::= item ("," ws item)*      # rules: name ::= alternatives; a newline ends a rule outside ( )
/// item   ::= [a-z]+ | "\"" [^"]* "\"" # literals with \n \t \r \\ \" \xHH \uHHHH \UHHHHHHHH escapes
/// ws     ::= [ \t\n]{0,8}             # classes, ranges, [^...]; repetition * + ? {m} {m,} {m,n} {,n}
/// ```
///
/// `.` is any scalar. A rule defined twice gets the second body as more alternatives (llama.cpp appends
/// them). Errors give the line and column; a rule that is used but never defined is reported where it is used.
public struct GBNFParser {
    private let text: [Unicode.Scalar]
    private var at = 0
    private var line = 1
    private var column = 1
    private var ruleIndex: [String: Int] = [:]
    private var names: [String] = []
    private var bodies: [[GrammarExpression]] = []
    private var definedAt: [(line: Int, column: Int)?] = []
    private var firstUse: [(line: Int, column: Int)] = []

    /// Repetition bounds above this are refused: `x{1000000}` would unroll into a million-symbol rule.
    public static let maximumRepetition = 10_000

    /// Parses `text` with start rule `root`.
    public static func parse(_ text: String, root: String = "root") throws -> GrammarDefinition {
        var parser = GBNFParser(text: Array(text.unicodeScalars))
        return try parser.parseGrammar(root: root)
    }

    private init(text: [Unicode.Scalar]) { self.text = text }

    // MARK: Rules

    private mutating func parseGrammar(root: String) throws -> GrammarDefinition {
        skipSpace(newlines: true)
        while !atEnd {
            let (l, c) = (line, column)
            let name = try parseName()
            let index = reference(name, line: l, column: c)
            if definedAt[index] == nil { definedAt[index] = (l, c) }
            skipSpace(newlines: false)
            guard consume("::=") else { throw error("expected ::= after rule name \"\(name)\"") }
            skipSpace(newlines: true)
            bodies[index].append(try parseAlternatives(nested: false))
            guard atEnd || peek == "\n" || peek == "\r" else {
                throw error("unexpected \(describe(peek!)) in rule \"\(name)\"")
            }
            skipSpace(newlines: true)
        }
        if let undefined = definedAt.indices.first(where: { definedAt[$0] == nil && names[$0] != root }) {
            let use = firstUse[undefined]
            throw GrammarError(line: use.line, column: use.column, message: "rule \"\(names[undefined])\" is used but never defined")
        }
        guard let rootIndex = ruleIndex[root], let rootDefinition = definedAt[rootIndex] else {
            throw GrammarError(line: line, column: column, message: "the grammar defines no \"\(root)\" rule (its start rule)")
        }
        _ = rootDefinition
        let rules = names.indices.map { i in
            GrammarDefinition.Rule(name: names[i], body: bodies[i].count == 1 ? bodies[i][0] : .choice(bodies[i]),
                                   line: definedAt[i]!.line, column: definedAt[i]!.column)
        }
        return GrammarDefinition(rules: rules, root: rootIndex)
    }

    private mutating func reference(_ name: String, line: Int, column: Int) -> Int {
        if let i = ruleIndex[name] { return i }
        ruleIndex[name] = names.count
        names.append(name)
        bodies.append([])
        definedAt.append(nil)
        firstUse.append((line, column))
        return names.count - 1
    }

    private mutating func parseName() throws -> String {
        var name = ""
        while let c = peek, Self.isNameScalar(c) {
            name.unicodeScalars.append(c)
            advance()
        }
        guard !name.isEmpty else {
            throw error(atEnd ? "expected a rule name, found the end of the grammar" : "expected a rule name, found \(describe(peek!))")
        }
        return name
    }

    private static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
    }

    // MARK: Expressions

    private mutating func parseAlternatives(nested: Bool) throws -> GrammarExpression {
        var choices = [try parseSequence(nested: nested)]
        while peek == "|" {
            advance()
            skipSpace(newlines: true)
            choices.append(try parseSequence(nested: nested))
        }
        return choices.count == 1 ? choices[0] : .choice(choices)
    }

    private mutating func parseSequence(nested: Bool) throws -> GrammarExpression {
        var parts: [GrammarExpression] = []
        while let c = peek {
            let (l, col) = (line, column)
            var part: GrammarExpression
            switch c {
            case "\"":
                advance()
                part = .literal(try parseQuoted())
            case "[":
                advance()
                part = .scalars(try parseClass())
            case ".":
                advance()
                part = .scalars(.any)
            case "(":
                advance()
                skipSpace(newlines: true)
                part = try parseAlternatives(nested: true)
                guard consume(")") else {
                    throw error(atEnd ? "missing ) for the ( at line \(l), column \(col)" : "expected ), found \(describe(peek!))")
                }
            case "<":
                throw error("token references (<...>) are not supported; write the token's text as a literal")
            case _ where Self.isNameScalar(c):
                let name = try parseName()
                skipSpace(newlines: nested)
                if consume("::=") {
                    throw GrammarError(line: l, column: col, message: "rule \"\(name)\" starts on the same line as the rule before it (or inside parentheses)")
                }
                part = .rule(reference(name, line: l, column: col))
                parts.append(try parseRepetitions(part, nested: nested))
                continue
            default:
                return .sequence(parts)
            }
            skipSpace(newlines: nested)
            parts.append(try parseRepetitions(part, nested: nested))
        }
        return .sequence(parts)
    }

    private mutating func parseRepetitions(_ base: GrammarExpression, nested: Bool) throws -> GrammarExpression {
        var part = base
        while let c = peek, c == "*" || c == "+" || c == "?" || c == "{" {
            let (l, col) = (line, column)
            advance()
            switch c {
            case "*": part = .repetition(part, min: 0, max: nil)
            case "+": part = .repetition(part, min: 1, max: nil)
            case "?": part = .repetition(part, min: 0, max: 1)
            default:
                let (low, high) = try parseBounds()
                if let high, high < low {
                    throw GrammarError(line: l, column: col, message: "repetition {\(low),\(high)} has its maximum below its minimum")
                }
                part = .repetition(part, min: low, max: high)
            }
            skipSpace(newlines: nested)
        }
        skipSpace(newlines: nested)
        return part
    }

    /// After `{`: `m}`, `m,}`, `m,n}` or `,n}`.
    private mutating func parseBounds() throws -> (Int, Int?) {
        skipSpace(newlines: false)
        let low = try parseCount() ?? 0
        skipSpace(newlines: false)
        if consume("}") { return (low, low) }
        guard consume(",") else { throw error("expected , or } in a repetition") }
        skipSpace(newlines: false)
        let high = try parseCount()
        skipSpace(newlines: false)
        guard consume("}") else { throw error("expected } to close a repetition") }
        return (low, high)
    }

    private mutating func parseCount() throws -> Int? {
        var digits = ""
        while let c = peek, ("0"..."9").contains(c) {
            digits.unicodeScalars.append(c)
            advance()
        }
        guard !digits.isEmpty else { return nil }
        guard digits.count <= 6, let n = Int(digits), n <= Self.maximumRepetition else {
            throw error("repetition count \(digits) is above the limit of \(Self.maximumRepetition)")
        }
        return n
    }

    // MARK: Literals and classes

    /// After the opening quote: scalars up to the closing one.
    private mutating func parseQuoted() throws -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        while true {
            guard let c = peek, c != "\n" else { throw error("unterminated string literal") }
            if c == "\"" {
                advance()
                return scalars
            }
            scalars.append(try parseCharacter())
        }
    }

    /// After `[`: the class up to `]`.
    private mutating func parseClass() throws -> ScalarSet {
        let negated = consume("^")
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let c = peek, c != "\n" else { throw error("unterminated character class") }
            if c == "]" {
                advance()
                break
            }
            let (l, col) = (line, column)
            let low = try parseCharacter()
            var high = low
            if peek == "-", text.indices.contains(at + 1), text[at + 1] != "]", text[at + 1] != "\n" {
                advance()
                high = try parseCharacter()
                guard high.value >= low.value else {
                    throw GrammarError(line: l, column: col, message: "range \(describe(low))-\(describe(high)) runs backwards")
                }
            }
            ranges.append(low.value...high.value)
        }
        let set = ScalarSet(ranges)
        return negated ? set.complement : set
    }

    /// One scalar, escaped or not.
    private mutating func parseCharacter() throws -> Unicode.Scalar {
        guard let c = peek else { throw error("unexpected end of the grammar") }
        advance()
        guard c == "\\" else { return c }
        guard let e = peek else { throw error("unfinished escape at the end of the grammar") }
        advance()
        switch e {
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "\\", "\"", "[", "]", "-", "^", "/", "'": return e
        case "x": return try parseHex(digits: 2)
        case "u": return try parseHex(digits: 4)
        case "U": return try parseHex(digits: 8)
        default: throw error("unknown escape \\\(e)", columnOffset: -2)
        }
    }

    private mutating func parseHex(digits: Int) throws -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek, let d = Self.hexDigit(c) else {
                throw error("expected \(digits) hexadecimal digits in an escape")
            }
            value = value * 16 + d
            advance()
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(String(format: "escape U+%04X is not a Unicode scalar (a surrogate or beyond U+10FFFF)", value))
        }
        return scalar
    }

    private static func hexDigit(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 48
        case "a"..."f": return c.value - 97 + 10
        case "A"..."F": return c.value - 65 + 10
        default: return nil
        }
    }

    // MARK: Scanning

    private var atEnd: Bool { at >= text.count }
    private var peek: Unicode.Scalar? { at < text.count ? text[at] : nil }

    private mutating func advance() {
        if text[at] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        at += 1
    }

    private mutating func consume(_ s: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        guard at + scalars.count <= text.count, Array(text[at..<at + scalars.count]) == scalars else { return false }
        for _ in scalars { advance() }
        return true
    }

    /// Spaces, tabs and comments; newlines too when `newlines` (inside parentheses, after `::=` and `|`).
    private mutating func skipSpace(newlines: Bool) {
        while let c = peek {
            if c == " " || c == "\t" || (newlines && (c == "\n" || c == "\r")) {
                advance()
            } else if c == "#" {
                while let d = peek, d != "\n" { advance() }
            } else {
                return
            }
        }
    }

    private func error(_ message: String, columnOffset: Int = 0) -> GrammarError {
        GrammarError(line: line, column: max(1, column + columnOffset), message: message)
    }

    private func describe(_ c: Unicode.Scalar) -> String {
        c.value < 0x20 || c.value == 0x7F ? String(format: "U+%04X", c.value) : "\"\(c)\""
    }
}
