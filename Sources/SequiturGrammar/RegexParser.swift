// The regular-expression subset `RegexGrammar` translates, parsed into the little that decides whole-string
// acceptance: sets of scalars, sequences, alternations and bounded repetitions. Captures, laziness and
// anchors at the ends change which substring a search reports, never whether a whole string matches, so
// they leave no trace in the tree.

extension ScalarSet {
    /// Digits, word characters and whitespace in their ASCII meanings (`\d`, `\w`, `\s`).
    static let asciiDigits = ScalarSet([0x30...0x39])
    static let asciiWordCharacters = ScalarSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// Space, \t, \n, \v, \f, \r.
    static let asciiWhitespace = ScalarSet([0x09...0x0D, 0x20...0x20])

    /// What `.` matches: NSRegularExpression (ICU) leaves out every line terminator by default, not only
    /// \n, so a grammar that agrees with it must too.
    static let dotMatches = ScalarSet.any.subtracting(ScalarSet([0x0A...0x0D, 0x85...0x85, 0x2028...0x2029]))
}

/// A parsed regular expression, reduced to what decides whole-string acceptance.
indirect enum RegexNode: Equatable, Sendable {
    /// One scalar from the set: a literal, `.`, a class or a class escape.
    case scalars(ScalarSet)
    /// The empty sequence matches only the empty string.
    case sequence([RegexNode])
    case alternation([RegexNode])
    /// `max == nil` is unbounded.
    case repetition(RegexNode, min: Int, max: Int?)

    // Computed, not stored: a global holding an indirect enum reads to LeakSanitizer as a leak (fuzz-grammar).
    static var empty: RegexNode { .sequence([]) }

    /// Whether the node matches the empty string. A grammar must not repeat such a node: llama.cpp rewrites
    /// `x*` as `r ::= x r | ""`, which is left-recursive when `x` can be empty, and refuses the grammar.
    var isNullable: Bool {
        switch self {
        case .scalars: return false
        case .sequence(let items): return items.allSatisfy(\.isNullable)
        case .alternation(let alternatives): return alternatives.contains(where: \.isNullable)
        case .repetition(let body, let min, let max): return min == 0 || max == 0 || body.isNullable
        }
    }

    /// A node matching the same strings except the empty one; nil when the empty string is all it matches.
    /// `x{m,n}` with a nullable `x` matches what `(x without "")` repeated 0 to n times does, so this is what
    /// lets such a repetition be written without repeating something nullable.
    var withoutEmptyString: RegexNode? {
        guard isNullable else { return self }
        switch self {
        case .scalars:
            return self
        case .sequence(let items):
            // Every item is nullable: a non-empty match starts with the first item that matches non-empty,
            // after items that all matched empty.
            let alternatives = items.indices.compactMap { index -> RegexNode? in
                guard let first = items[index].withoutEmptyString else { return nil }
                return RegexNode.sequence([first] + items[(index + 1)...])
            }
            return RegexNode.alternatives(alternatives)
        case .alternation(let alternatives):
            return RegexNode.alternatives(alternatives.compactMap(\.withoutEmptyString))
        case .repetition(let body, _, let max):
            if max == 0 { return nil }
            guard let nonEmptyBody = body.withoutEmptyString else { return nil }
            return max == 1 ? nonEmptyBody : .repetition(nonEmptyBody, min: 1, max: max)
        }
    }

    /// An alternation of the given nodes, without a wrapper for zero or one of them.
    static func alternatives(_ nodes: [RegexNode]) -> RegexNode? {
        switch nodes.count {
        case 0: return nil
        case 1: return nodes[0]
        default: return .alternation(nodes)
        }
    }
}

/// Recursive-descent parser for the subset documented on `RegexGrammar`. It reads Unicode scalars, as ICU
/// does, so a quantifier after a decomposed "é" repeats only the combining accent, as it would there.
struct RegexParser {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var groupDepth = 0

    /// Parsing, and every pass over the tree after it, recurses once per open group; a bound keeps a hostile
    /// regex like 100 000 "(" from overflowing the stack instead of failing with an error.
    static let maximumGroupDepth = 200

    init(_ regex: String) {
        scalars = Array(regex.unicodeScalars)
    }

    mutating func parse() throws(RegexGrammarError) -> RegexNode {
        // A leading ^ is the only place an anchor is harmless: the match is whole-string anyway.
        if peek() == "^" { position += 1 }
        let node = try parseAlternation()
        if position < scalars.count {
            // parseAlternation stops only at the end or at a ")" no group opened.
            throw error(at: position, #"unbalanced ")": no "(" opens it"#)
        }
        return node
    }

    // MARK: Structure

    private mutating func parseAlternation() throws(RegexGrammarError) -> RegexNode {
        var alternatives = [try parseSequence()]
        while peek() == "|" {
            position += 1
            alternatives.append(try parseSequence())
        }
        return RegexNode.alternatives(alternatives)!
    }

    private mutating func parseSequence() throws(RegexGrammarError) -> RegexNode {
        var items: [RegexNode] = []
        while let next = peek(), next != "|", next != ")" {
            let item = try parseQuantified()
            // Flattening keeps runs of literals adjacent, so they are written as one string.
            if case .sequence(let inner) = item { items += inner } else { items.append(item) }
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func parseQuantified() throws(RegexGrammarError) -> RegexNode {
        let atom = try parseAtom()
        guard let bounds = try parseQuantifier() else { return atom }
        if peek() == "+" {
            throw error(
                at: position,
                "possessive quantifiers are not supported: "
                    + "they can reject strings a plain quantifier accepts, which a grammar cannot express"
            )
        }
        // A lazy quantifier only prefers shorter matches; the set of whole strings matched is the same.
        if peek() == "?" { position += 1 }
        if let next = peek(), "*+?{".unicodeScalars.contains(next) {
            throw error(at: position, "a quantifier cannot follow another quantifier; group the first one in (?:...)")
        }
        return .repetition(atom, min: bounds.min, max: bounds.max)
    }

    /// Reads `* + ? {m} {m,} {m,n}` if one comes next.
    private mutating func parseQuantifier() throws(RegexGrammarError) -> (min: Int, max: Int?)? {
        switch peek() {
        case "*": position += 1; return (0, nil)
        case "+": position += 1; return (1, nil)
        case "?": position += 1; return (0, 1)
        case "{": return try parseBraceBounds()
        default: return nil
        }
    }

    private mutating func parseBraceBounds() throws(RegexGrammarError) -> (min: Int, max: Int?) {
        let open = position
        position += 1
        guard let min = try parseBound() else {
            throw error(at: open, #""{" must start a repetition bound {m}, {m,} or {m,n}; escape it as \{ to match it"#)
        }
        var max: Int? = min
        if peek() == "," {
            position += 1
            max = try parseBound()
        }
        guard peek() == "}" else {
            throw error(at: open, #""{" must start a repetition bound {m}, {m,} or {m,n}; escape it as \{ to match it"#)
        }
        position += 1
        if let max, max < min {
            throw error(at: open, "repetition bound {\(min),\(max)} has its minimum above its maximum")
        }
        return (min, max)
    }

    private mutating func parseBound() throws(RegexGrammarError) -> Int? {
        let start = position
        var value = 0
        while let next = peek(), ("0"..."9").contains(next) {
            position += 1
            value = value * 10 + Int(next.value - 0x30)
            if value > RegexGrammar.maximumRepetitionBound {
                while let more = peek(), ("0"..."9").contains(more) { position += 1 }
                throw error(
                    at: start,
                    "repetition bound above \(RegexGrammar.maximumRepetitionBound): "
                        + "the automaton holds a copy of the repeated expression for every repetition, "
                        + "so large bounds make it too big"
                )
            }
        }
        return position > start ? value : nil
    }

    private mutating func parseAtom() throws(RegexGrammarError) -> RegexNode {
        let start = position
        let scalar = scalars[position]
        switch scalar {
        case "(":
            return try parseGroup()
        case "[":
            return .scalars(try parseClass())
        case ".":
            position += 1
            return .scalars(.dotMatches)
        case "\\":
            switch try parseEscape() {
            case .scalar(let literal): return .scalars(ScalarSet(single: literal))
            case .set(let set): return .scalars(set)
            }
        case "*", "+", "?":
            throw error(at: start, "quantifier \"\(scalar)\" has nothing to repeat")
        case "{":
            if (try? parseBraceBounds()) != nil {
                throw error(at: start, "quantifier \"{\" has nothing to repeat")
            }
            throw error(
                at: start,
                #""{" must start a repetition bound {m}, "#
                    + #"{m,} or {m,n}; escape it as \{ to match it"#
            )
        case "}":
            // ICU refuses a lone "}" too; accepting it would make a regex mean something here it cannot mean there.
            throw error(at: start, #""}" closes no repetition bound; escape it as \} to match it"#)
        case "^":
            throw error(
                at: start,
                #""^" is only supported at the very start of the regex: "#
                    + #"anchors elsewhere are not supported"#
            )
        case "$":
            // A trailing $ is as harmless as a leading ^.
            guard position == scalars.count - 1 else {
                throw error(
                    at: start,
                    #""$" is only supported at the very end of the regex: "#
                        + #"anchors elsewhere are not supported"#
                )
            }
            position += 1
            return .empty
        default:
            position += 1
            return .scalars(ScalarSet(single: scalar))
        }
    }

    private mutating func parseGroup() throws(RegexGrammarError) -> RegexNode {
        let open = position
        guard groupDepth < Self.maximumGroupDepth else {
            throw error(at: open, "groups nested deeper than \(Self.maximumGroupDepth) are not supported")
        }
        groupDepth += 1
        defer { groupDepth -= 1 }
        position += 1
        if peek() == "?" {
            switch peek(1) {
            case ":":
                position += 2
            case "<" where peek(2) == "=" || peek(2) == "!":
                throw error(at: open, "lookbehind is not supported: a grammar cannot look back at what it matched")
            case "<":
                try skipGroupName(open: open)
            case "=", "!":
                throw error(at: open, "lookahead is not supported: a grammar cannot look ahead of what it matches")
            case ">":
                throw error(
                    at: open,
                    "atomic groups are not supported: "
                        + "they can reject strings a plain group accepts, which a grammar cannot express"
                )
            case "P":
                throw error(at: open, "(?P<name>...) is not supported; write a named group as (?<name>...)")
            default:
                throw error(at: open, "inline flags, comments and other (?...) groups are not supported")
            }
        }
        let body = try parseAlternation()
        guard peek() == ")" else {
            throw error(at: open, #"unbalanced "(": no ")" closes it"#)
        }
        position += 1
        return body
    }

    /// Named groups capture, and capturing does not change acceptance, so the name is only checked and dropped.
    private mutating func skipGroupName(open: Int) throws(RegexGrammarError) {
        position += 2
        let nameStart = position
        while let next = peek(), isASCIILetter(next) || ("0"..."9").contains(next) {
            position += 1
        }
        guard position > nameStart, isASCIILetter(scalars[nameStart]), peek() == ">" else {
            throw error(
                at: open,
                "a group name must be ASCII letters and digits, "
                    + "starting with a letter, closed by \">\""
            )
        }
        position += 1
    }

    // MARK: Character classes

    private mutating func parseClass() throws(RegexGrammarError) -> ScalarSet {
        let open = position
        position += 1
        var negated = false
        if peek() == "^" {
            negated = true
            position += 1
        }
        if peek() == "]" {
            throw error(at: open, #"empty character class "[]"; to match "]" escape it as \]"#)
        }
        var members = ScalarSet([])
        while true {
            guard let next = peek() else {
                throw error(at: open, #"unterminated character class: no "]" closes it"#)
            }
            if next == "]" {
                position += 1
                break
            }
            let itemStart = position
            let item = try parseClassItem()
            let startsRange = peek() == "-" && peek(1) != nil && peek(1) != "]"
            switch item {
            case .set(let set):
                if startsRange {
                    throw error(at: itemStart, "a range must start at a single character, not at a class escape")
                }
                members = members.union(set)
            case .scalar(let low) where startsRange:
                position += 1
                let highStart = position
                if peek() == "-" {
                    throw error(at: highStart, #""--" (set difference) is not supported; escape "-" as \-"#)
                }
                guard case .scalar(let high) = try parseClassItem() else {
                    throw error(at: highStart, "a range must end at a single character, not at a class escape")
                }
                guard low.value <= high.value else {
                    throw error(at: itemStart, "invalid range \"\(low)-\(high)\": its start comes after its end")
                }
                if peek() == "-", peek(1) != nil, peek(1) != "]" {
                    throw error(at: position, #"a "-" right after a range is ambiguous; escape it as \-"#)
                }
                members = members.union(ScalarSet([low.value...high.value]))
            case .scalar(let single):
                members = members.union(ScalarSet(single: single))
            }
        }
        let result = negated ? members.complement : members
        if result.isEmpty {
            throw error(at: open, "character class matches no character")
        }
        return result
    }

    private mutating func parseClassItem() throws(RegexGrammarError) -> EscapeMeaning {
        let scalar = scalars[position]
        switch scalar {
        case "\\":
            return try parseEscape()
        case "[":
            throw error(
                at: position,
                #"nested classes and POSIX classes like [:alpha:] are not supported; "#
                    + #"to match "[" escape it as \["#
            )
        case "&" where peek(1) == "&":
            throw error(at: position, #""&&" (set intersection) is not supported; escape "&" as \&"#)
        default:
            position += 1
            return .scalar(scalar)
        }
    }

    // MARK: Escapes

    /// What a backslash sequence stands for: one scalar (which may end a range) or a class.
    enum EscapeMeaning {
        case scalar(Unicode.Scalar)
        case set(ScalarSet)
    }

    private mutating func parseEscape() throws(RegexGrammarError) -> EscapeMeaning {
        let backslash = position
        guard let escaped = peek(1) else {
            throw error(at: backslash, "trailing backslash escapes nothing")
        }
        position += 2
        switch escaped {
        case "d": return .set(.asciiDigits)
        case "D": return .set(ScalarSet.asciiDigits.complement)
        case "w": return .set(.asciiWordCharacters)
        case "W": return .set(ScalarSet.asciiWordCharacters.complement)
        case "s": return .set(.asciiWhitespace)
        case "S": return .set(ScalarSet.asciiWhitespace.complement)
        case "n": return .scalar("\n")
        case "t": return .scalar("\t")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "a": return .scalar("\u{07}")
        case "e": return .scalar("\u{1B}")
        case "u": return .scalar(try parseHexScalar(digits: 4, escapeStart: backslash))
        case "U": return .scalar(try parseHexScalar(digits: 8, escapeStart: backslash))
        case "x":
            if peek() == "{" {
                position += 1
                let value = try parseHexScalar(digits: nil, escapeStart: backslash)
                guard peek() == "}" else {
                    throw error(at: backslash, #"\x{...} needs hexadecimal digits and a closing "}""#)
                }
                position += 1
                return .scalar(value)
            }
            return .scalar(try parseHexScalar(digits: 2, escapeStart: backslash))
        case "1"..."9":
            throw error(
                at: backslash,
                "backreferences like \\\(escaped) are not supported: "
                    + "matching what a group matched is beyond a grammar"
            )
        case "0":
            throw error(at: backslash, #"octal escapes like \0 are not supported; write \xHH"#)
        case "b", "B":
            throw error(
                at: backslash,
                "word boundaries \\\(escaped) are not supported: "
                    + "a grammar cannot look at the characters around a position"
            )
        case "A", "z", "Z", "G":
            throw error(at: backslash, "anchor \\\(escaped) is not supported: the match is whole-string already")
        case "p", "P":
            throw error(
                at: backslash,
                "Unicode property classes \\\(escaped){...} are not supported; "
                    + "write the ranges in a class"
            )
        case "k":
            throw error(
                at: backslash,
                #"named backreferences \k<name> are not supported: "#
                    + #"matching what a group matched is beyond a grammar"#
            )
        case "Q", "E":
            throw error(at: backslash, #"quoting with \Q...\E is not supported; escape each character"#)
        default:
            if isASCIILetter(escaped) || ("0"..."9").contains(escaped) {
                throw error(at: backslash, "unsupported escape \\\(escaped)")
            }
            // Any escaped punctuation, symbol, space or non-ASCII scalar stands for itself.
            return .scalar(escaped)
        }
    }

    /// Reads exactly `digits` hexadecimal digits, or 1 to 8 when `digits` is nil, as a scalar value.
    private mutating func parseHexScalar(digits: Int?, escapeStart: Int) throws(RegexGrammarError) -> Unicode.Scalar {
        var value: UInt32 = 0
        var count = 0
        while count < (digits ?? 8), let next = peek(), next.properties.isASCIIHexDigit,
              let digit = UInt32(String(next), radix: 16) {
            value = value * 16 + digit
            count += 1
            position += 1
        }
        let escape = String(String.UnicodeScalarView(scalars[escapeStart..<min(escapeStart + 2, scalars.count)]))
        if let digits, count != digits {
            throw error(at: escapeStart, "\(escape) needs exactly \(digits) hexadecimal digits")
        }
        if count == 0 {
            throw error(at: escapeStart, "\(escape) needs hexadecimal digits")
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(
                at: escapeStart,
                "\(escape) names U+\(String(value, radix: 16, uppercase: true)), "
                    + "which is not a Unicode scalar"
            )
        }
        return scalar
    }

    // MARK: Reading

    private func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    /// Errors count Characters, as an editor's column does, though the parser walks scalars.
    private func error(at scalarIndex: Int, _ message: String) -> RegexGrammarError {
        let prefix = String(String.UnicodeScalarView(scalars[..<min(scalarIndex, scalars.count)]))
        return RegexGrammarError(offset: prefix.count, message: message)
    }
}
