/// An oracle for GBNF in tests: a deliberately plain recogniser that shares no code with the production parser
/// and automaton, so a bug in either shows up as a disagreement instead of being repeated in both.
///
/// It matches by sets of end positions: matching an element from a start position yields every position where a
/// match can end, and the whole text is accepted when the root rule can end at the last position. Results are
/// memoised per (rule, start), which keeps recursive grammars such as JSON polynomial. Left recursion is not
/// supported (a rule re-entered at the same position matches nothing there), as in llama.cpp.
///
/// The text is compared as Unicode scalars, the unit GBNF literals, classes and `.` are written in.
final class ReferenceGBNFRecogniser {
    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var problem: String
        var description: String { "GBNF syntax error at scalar \(offset): \(problem)" }
    }

    indirect enum Element {
        case literal([Unicode.Scalar])
        case characterClass(negated: Bool, ranges: [ClosedRange<UInt32>])
        case anyScalar
        case rule(String)
        case group([[Element]])
        case repetition(Element, minimum: Int, maximum: Int?)
    }

    let rules: [String: [[Element]]]
    private var text: [Unicode.Scalar] = []
    /// In prefix mode the text may stop anywhere: every element asked to match at the end of the text (or a
    /// literal cut by it) matches up to the end, as some continuation would. Assumes every class and rule
    /// matches something, which holds for the grammars tested.
    private var prefixMode = false
    private var memo: [String: [Int: Set<Int>]] = [:]

    init(gbnf: String) throws {
        var parser = Parser(source: Array(gbnf.unicodeScalars))
        rules = try parser.parseGrammar()
        guard rules["root"] != nil else { throw SyntaxError(offset: 0, problem: "no root rule") }
        for (_, alternatives) in rules {
            try Self.checkReferences(alternatives, in: rules)
        }
    }

    private static func checkReferences(_ alternatives: [[Element]], in rules: [String: [[Element]]]) throws {
        func check(_ element: Element) throws {
            switch element {
            case .rule(let name) where rules[name] == nil:
                throw SyntaxError(offset: 0, problem: "undefined rule \(name)")
            case .group(let inner): try checkReferences(inner, in: rules)
            case .repetition(let inner, _, _): try check(inner)
            default: break
            }
        }
        for sequence in alternatives {
            for element in sequence { try check(element) }
        }
    }

    /// Whether the root rule matches all of `candidate`.
    func accepts(_ candidate: String) -> Bool {
        text = Array(candidate.unicodeScalars)
        memo = [:]
        prefixMode = false
        return match(.rule("root"), from: 0).contains(text.count)
    }

    /// Whether `candidate` can be continued into a sentence (a sentence itself included).
    func acceptsPrefix(_ candidate: String) -> Bool {
        text = Array(candidate.unicodeScalars)
        memo = [:]
        prefixMode = true
        return match(.rule("root"), from: 0).contains(text.count)
    }

    private func match(_ alternatives: [[Element]], from start: Int) -> Set<Int> {
        var ends = Set<Int>()
        for sequence in alternatives {
            var positions: Set<Int> = [start]
            for element in sequence {
                var next = Set<Int>()
                for position in positions { next.formUnion(match(element, from: position)) }
                positions = next
                if positions.isEmpty { break }
            }
            ends.formUnion(positions)
        }
        return ends
    }

    private func match(_ element: Element, from start: Int) -> Set<Int> {
        switch element {
        case .literal(let scalars):
            if prefixMode, start + scalars.count > text.count {
                return scalars.starts(with: text[start...]) ? [text.count] : []
            }
            guard start + scalars.count <= text.count, Array(text[start..<start + scalars.count]) == scalars else { return [] }
            return [start + scalars.count]
        case .characterClass(let negated, let ranges):
            guard start < text.count else { return prefixMode ? [text.count] : [] }
            let inRanges = ranges.contains { $0.contains(text[start].value) }
            return inRanges != negated ? [start + 1] : []
        case .anyScalar:
            return start < text.count || prefixMode ? [min(start + 1, text.count)] : []
        case .rule(let name):
            if let known = memo[name]?[start] { return known }
            // Seeding the memo with "nothing" makes a left-recursive re-entry fail instead of recursing forever.
            memo[name, default: [:]][start] = []
            let ends = match(rules[name]!, from: start)
            memo[name, default: [:]][start] = ends
            return ends
        case .group(let alternatives):
            return match(alternatives, from: start)
        case .repetition(let inner, let minimum, let maximum):
            var frontier: Set<Int> = [start]
            for _ in 0..<minimum {
                var next = Set<Int>()
                for position in frontier { next.formUnion(match(inner, from: position)) }
                frontier = next
            }
            var ends = frontier
            var count = minimum
            // Past the minimum every reached position is an end; only positions not seen before need another try,
            // which is what makes an unbounded repetition terminate.
            while !frontier.isEmpty, maximum.map({ count < $0 }) ?? true {
                var next = Set<Int>()
                for position in frontier { next.formUnion(match(inner, from: position)) }
                frontier = next.subtracting(ends)
                ends.formUnion(next)
                count += 1
            }
            return ends
        }
    }

    /// Reads GBNF with no layout rules: a rule ends where the next `name ::=` begins, which accepts both
    /// one-line rules and llama.cpp's multi-line ones without modelling its newline handling.
    private struct Parser {
        let source: [Unicode.Scalar]
        var index = 0

        init(source: [Unicode.Scalar]) {
            self.source = source
        }

        private func error(_ problem: String) -> SyntaxError { SyntaxError(offset: index, problem: problem) }

        private var current: Unicode.Scalar? { index < source.count ? source[index] : nil }

        private mutating func skipSpaceAndComments() {
            while let scalar = current {
                if scalar == "#" {
                    while let inComment = current, inComment != "\n" { index += 1 }
                } else if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                    index += 1
                } else {
                    return
                }
            }
        }

        private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "_"
        }

        private mutating func parseName() throws -> String {
            var name = ""
            while let scalar = current, Self.isNameScalar(scalar) {
                name.unicodeScalars.append(scalar)
                index += 1
            }
            guard !name.isEmpty else { throw error("expected a rule name") }
            return name
        }

        /// Whether a `name ::=` starts here, which is what ends the rule being read.
        private func atRuleStart() -> Bool {
            var probe = index
            while probe < source.count, Self.isNameScalar(source[probe]) { probe += 1 }
            guard probe > index else { return false }
            while probe < source.count, [" ", "\t", "\n", "\r"].contains(source[probe]) { probe += 1 }
            return probe + 2 < source.count && source[probe] == ":" && source[probe + 1] == ":" && source[probe + 2] == "="
        }

        mutating func parseGrammar() throws -> [String: [[Element]]] {
            var rules: [String: [[Element]]] = [:]
            skipSpaceAndComments()
            while current != nil {
                let name = try parseName()
                skipSpaceAndComments()
                for expected in "::=".unicodeScalars {
                    guard current == expected else { throw error("expected ::= after \(name)") }
                    index += 1
                }
                guard rules[name] == nil else { throw error("rule \(name) defined twice") }
                rules[name] = try parseAlternatives(nested: false)
                skipSpaceAndComments()
            }
            return rules
        }

        private mutating func parseAlternatives(nested: Bool) throws -> [[Element]] {
            var alternatives = [try parseSequence(nested: nested)]
            while current == "|" {
                index += 1
                alternatives.append(try parseSequence(nested: nested))
            }
            return alternatives
        }

        private mutating func parseSequence(nested: Bool) throws -> [Element] {
            var sequence: [Element] = []
            while true {
                skipSpaceAndComments()
                guard let scalar = current, scalar != "|", scalar != ")" else { return sequence }
                if !nested, atRuleStart() { return sequence }
                var element: Element
                switch scalar {
                case "\"":
                    index += 1
                    element = .literal(try parseLiteralBody())
                case "[":
                    index += 1
                    element = try parseClassBody()
                case ".":
                    index += 1
                    element = .anyScalar
                case "(":
                    index += 1
                    let inner = try parseAlternatives(nested: true)
                    guard current == ")" else { throw error("expected )") }
                    index += 1
                    element = .group(inner)
                default:
                    guard Self.isNameScalar(scalar) else { throw error("unexpected \(scalar)") }
                    element = .rule(try parseName())
                }
                while let postfix = try parsePostfix() {
                    element = .repetition(element, minimum: postfix.minimum, maximum: postfix.maximum)
                }
                sequence.append(element)
            }
        }

        private mutating func parsePostfix() throws -> (minimum: Int, maximum: Int?)? {
            switch current {
            case "*": index += 1; return (0, nil)
            case "+": index += 1; return (1, nil)
            case "?": index += 1; return (0, 1)
            case "{":
                index += 1
                let minimum = try parseNumber()
                var maximum: Int? = minimum
                if current == "," {
                    index += 1
                    maximum = current == "}" ? nil : try parseNumber()
                }
                guard current == "}" else { throw error("expected } in a repetition") }
                index += 1
                if let maximum, maximum < minimum { throw error("repetition maximum below minimum") }
                return (minimum, maximum)
            default: return nil
            }
        }

        private mutating func parseNumber() throws -> Int {
            var digits = ""
            while let scalar = current, ("0"..."9").contains(scalar) {
                digits.unicodeScalars.append(scalar)
                index += 1
            }
            guard let number = Int(digits) else { throw error("expected a number") }
            return number
        }

        private mutating func parseHex(digits: Int) throws -> Unicode.Scalar {
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let scalar = current, let digit = UInt32(String(scalar), radix: 16) else {
                    throw error("expected \(digits) hex digits")
                }
                value = value * 16 + digit
                index += 1
            }
            guard let scalar = Unicode.Scalar(value) else { throw error("escape is not a Unicode scalar") }
            return scalar
        }

        /// One scalar of a literal or class, with its escape decoded.
        private mutating func parseScalar() throws -> Unicode.Scalar {
            guard let scalar = current else { throw error("unexpected end of grammar") }
            index += 1
            guard scalar == "\\" else { return scalar }
            guard let escaped = current else { throw error("unexpected end of grammar after \\") }
            index += 1
            switch escaped {
            case "n": return "\n"
            case "r": return "\r"
            case "t": return "\t"
            case "x": return try parseHex(digits: 2)
            case "u": return try parseHex(digits: 4)
            case "U": return try parseHex(digits: 8)
            case "\\", "\"", "[", "]", "^", "-": return escaped
            default: throw error("unknown escape \\\(escaped)")
            }
        }

        private mutating func parseLiteralBody() throws -> [Unicode.Scalar] {
            var scalars: [Unicode.Scalar] = []
            while current != "\"" {
                guard current != nil else { throw error("unterminated literal") }
                scalars.append(try parseScalar())
            }
            index += 1
            return scalars
        }

        private mutating func parseClassBody() throws -> Element {
            let negated = current == "^"
            if negated { index += 1 }
            var ranges: [ClosedRange<UInt32>] = []
            while current != "]" {
                guard current != nil else { throw error("unterminated character class") }
                let low = try parseScalar()
                var high = low
                // As in llama.cpp, "-" before "]" is a plain member rather than a range.
                if current == "-", index + 1 < source.count, source[index + 1] != "]" {
                    index += 1
                    high = try parseScalar()
                }
                guard low.value <= high.value else { throw error("empty range in a character class") }
                ranges.append(low.value...high.value)
            }
            index += 1
            return .characterClass(negated: negated, ranges: ranges)
        }
    }
}
