/// An independent GBNF recogniser for tests: it decides whether a grammar's `root` derives a whole string, by
/// memoised sets of end positions over Unicode scalars. It shares no code with SequiturGrammar, so a test that
/// checks emitted grammar text with it checks the text, not the library against itself.
///
/// It reads GBNF the way llama.cpp's parser does: names of [A-Za-z0-9-]; a newline ends a rule except inside
/// parentheses or after `::=` or `|`; only the escapes `\x \u \U \t \r \n \\ \" \[ \]`; in a class `-` makes a range
/// unless `]` follows it; `.` is any scalar. It refuses what llama.cpp refuses at load: undefined rules, a missing
/// `root`, and left recursion, which includes repeating something that can match the empty string.
struct RegexTestRecogniser {
    struct GrammarError: Error, CustomStringConvertible {
        let description: String
    }

    /// One node of a rule body. Classes keep their ranges as written; `negated` flips membership.
    private indirect enum Expression {
        case literal([Unicode.Scalar])
        case characterClass(negated: Bool, ranges: [ClosedRange<UInt32>])
        case anyScalar
        case rule(Int)
        case alternatives([[Node]])
        case repetition(Node, min: Int, max: Int?)
    }

    /// A node carries an id so matching can be memoised per (node, position).
    private final class Node {
        let id: Int
        let expression: Expression
        init(id: Int, expression: Expression) {
            self.id = id
            self.expression = expression
        }
    }

    private var ruleBodies: [Node] = []
    private let rootRule: Int

    init(gbnf: String) throws {
        var parser = Parser(text: Array(gbnf.unicodeScalars))
        try parser.parseGrammar()
        guard let root = parser.ruleIndex["root"] else { throw GrammarError(description: "grammar has no root rule") }
        for (name, index) in parser.ruleIndex where parser.bodies[index] == nil {
            throw GrammarError(description: "rule \(name) is used but never defined")
        }
        ruleBodies = parser.bodies.map { $0! }
        rootRule = root
        try checkNoLeftRecursion()
    }

    /// Whether `root` derives exactly `string`.
    func accepts(_ string: String) throws -> Bool {
        let input = Array(string.unicodeScalars)
        var matcher = Matcher(input: input, rules: ruleBodies)
        return try matcher.ends(of: ruleBodies[rootRule], from: 0).contains(input.count)
    }

    // MARK: Left recursion

    private func checkNoLeftRecursion() throws {
        var nullable = Array(repeating: false, count: ruleBodies.count)
        var changed = true
        while changed {
            changed = false
            for index in ruleBodies.indices where !nullable[index] && Self.isNullable(ruleBodies[index], nullable) {
                nullable[index] = true
                changed = true
            }
        }
        // A rule is left-recursive when it can reach itself without consuming input; a nullable repetition
        // body under `*`, `+` or `{m,}` is the same defect, since llama.cpp turns `x*` into `r ::= x r | ""`.
        for start in ruleBodies.indices {
            var seen: Set<Int> = []
            var pending = Self.leftmostRules(ruleBodies[start], nullable)
            while let rule = pending.popLast() {
                if rule == start { throw GrammarError(description: "left recursion through rule #\(start)") }
                if seen.insert(rule).inserted { pending += Self.leftmostRules(ruleBodies[rule], nullable) }
            }
        }
        for body in ruleBodies { try Self.checkRepetitions(body, nullable) }
    }

    private static func isNullable(_ node: Node, _ nullable: [Bool]) -> Bool {
        switch node.expression {
        case .literal(let scalars): return scalars.isEmpty
        case .characterClass, .anyScalar: return false
        case .rule(let index): return nullable[index]
        case .alternatives(let options): return options.contains { $0.allSatisfy { isNullable($0, nullable) } }
        case .repetition(let body, let min, let max): return min == 0 || max == 0 || isNullable(body, nullable)
        }
    }

    private static func leftmostRules(_ node: Node, _ nullable: [Bool]) -> [Int] {
        switch node.expression {
        case .literal, .characterClass, .anyScalar: return []
        case .rule(let index): return [index]
        case .repetition(let body, _, _): return leftmostRules(body, nullable)
        case .alternatives(let options):
            var rules: [Int] = []
            for sequence in options {
                for element in sequence {
                    rules += leftmostRules(element, nullable)
                    if !isNullable(element, nullable) { break }
                }
            }
            return rules
        }
    }

    private static func checkRepetitions(_ node: Node, _ nullable: [Bool]) throws {
        switch node.expression {
        case .literal, .characterClass, .anyScalar, .rule: return
        case .alternatives(let options):
            for sequence in options {
                for element in sequence { try checkRepetitions(element, nullable) }
            }
        case .repetition(let body, _, let max):
            // Only unbounded repetition becomes a recursive rule in llama.cpp; bounded ones are unrolled.
            if max == nil, isNullable(body, nullable) {
                throw GrammarError(description: "unbounded repetition of an expression that can match the empty string")
            }
            try checkRepetitions(body, nullable)
        }
    }

    // MARK: Matching

    private struct Matcher {
        let input: [Unicode.Scalar]
        let rules: [Node]
        var memo: [Key: Set<Int>] = [:]
        var inProgress: Set<Key> = []

        struct Key: Hashable {
            let node: Int
            let position: Int
        }

        init(input: [Unicode.Scalar], rules: [Node]) {
            self.input = input
            self.rules = rules
        }

        mutating func ends(of node: Node, from position: Int) throws -> Set<Int> {
            let key = Key(node: node.id, position: position)
            if let known = memo[key] { return known }
            guard inProgress.insert(key).inserted else {
                throw GrammarError(description: "left recursion reached while matching")
            }
            let result = try computeEnds(of: node, from: position)
            inProgress.remove(key)
            memo[key] = result
            return result
        }

        private mutating func computeEnds(of node: Node, from position: Int) throws -> Set<Int> {
            switch node.expression {
            case .literal(let scalars):
                guard position + scalars.count <= input.count,
                      input[position..<(position + scalars.count)].elementsEqual(scalars) else { return [] }
                return [position + scalars.count]
            case .characterClass(let negated, let ranges):
                guard position < input.count else { return [] }
                let value = input[position].value
                return ranges.contains { $0.contains(value) } != negated ? [position + 1] : []
            case .anyScalar:
                return position < input.count ? [position + 1] : []
            case .rule(let index):
                return try ends(of: rules[index], from: position)
            case .alternatives(let options):
                var result: Set<Int> = []
                for sequence in options {
                    var frontier: Set<Int> = [position]
                    for element in sequence where !frontier.isEmpty {
                        var next: Set<Int> = []
                        for start in frontier { next.formUnion(try ends(of: element, from: start)) }
                        frontier = next
                    }
                    result.formUnion(frontier)
                }
                return result
            case .repetition(let body, let min, let max):
                var result: Set<Int> = min == 0 ? [position] : []
                var frontier: Set<Int> = [position]
                // Past the minimum, a position reached again has the same future, so it is expanded once.
                var expandedPastMinimum: Set<Int> = min == 0 ? [position] : []
                var count = 0
                while !frontier.isEmpty, max.map({ count < $0 }) ?? true {
                    var next: Set<Int> = []
                    for start in frontier { next.formUnion(try ends(of: body, from: start)) }
                    count += 1
                    if count >= min {
                        if max == nil {
                            next.subtract(expandedPastMinimum)
                            expandedPastMinimum.formUnion(next)
                        }
                        result.formUnion(next)
                    }
                    frontier = next
                }
                return result
            }
        }
    }

    // MARK: Parsing

    private struct Parser {
        let text: [Unicode.Scalar]
        var position = 0
        var ruleIndex: [String: Int] = [:]
        var bodies: [Node?] = []
        var nextNodeID = 0

        init(text: [Unicode.Scalar]) {
            self.text = text
        }

        mutating func parseGrammar() throws {
            skipSpace(newlines: true)
            while position < text.count {
                let name = try parseName()
                skipSpace(newlines: false)
                guard consume("::=") else { throw failure("expected ::= after rule name \(name)") }
                skipSpace(newlines: true)
                let body = try parseAlternatives(nested: false)
                let index = indexOf(rule: name)
                guard bodies[index] == nil else { throw failure("rule \(name) is defined twice") }
                bodies[index] = body
                if peek() == "\r" { position += 1 }
                if peek() == "\n" {
                    position += 1
                } else if position < text.count {
                    throw failure("expected a newline or the end after rule \(name)")
                }
                skipSpace(newlines: true)
            }
        }

        private mutating func parseAlternatives(nested: Bool) throws -> Node {
            var options = [try parseSequence(nested: nested)]
            while peek() == "|" {
                position += 1
                skipSpace(newlines: true)
                options.append(try parseSequence(nested: nested))
            }
            return makeNode(.alternatives(options))
        }

        private mutating func parseSequence(nested: Bool) throws -> [Node] {
            var items: [Node] = []
            while let next = peek() {
                if next == "\"" {
                    position += 1
                    var scalars: [Unicode.Scalar] = []
                    while peek() != "\"" {
                        guard peek() != nil else { throw failure("unterminated string") }
                        scalars.append(try parseCharacter())
                    }
                    position += 1
                    items.append(makeNode(.literal(scalars)))
                } else if next == "[" {
                    position += 1
                    let negated = peek() == "^"
                    if negated { position += 1 }
                    var ranges: [ClosedRange<UInt32>] = []
                    while peek() != "]" {
                        guard peek() != nil else { throw failure("unterminated character class") }
                        let low = try parseCharacter().value
                        var high = low
                        if peek() == "-", let after = peek(1), after != "]" {
                            position += 1
                            high = try parseCharacter().value
                        }
                        guard low <= high else { throw failure("range out of order") }
                        ranges.append(low...high)
                    }
                    position += 1
                    items.append(makeNode(.characterClass(negated: negated, ranges: ranges)))
                } else if isNameScalar(next) {
                    let name = try parseName()
                    items.append(makeNode(.rule(indexOf(rule: name))))
                } else if next == "(" {
                    position += 1
                    skipSpace(newlines: true)
                    let group = try parseAlternatives(nested: true)
                    guard peek() == ")" else { throw failure("expected )") }
                    position += 1
                    items.append(group)
                } else if next == "." {
                    position += 1
                    items.append(makeNode(.anyScalar))
                } else if "*+?{".unicodeScalars.contains(next) {
                    guard let last = items.popLast() else { throw failure("a postfix operator follows nothing") }
                    let (min, max) = try parsePostfix()
                    items.append(makeNode(.repetition(last, min: min, max: max)))
                } else {
                    break
                }
                skipSpace(newlines: nested)
            }
            return items
        }

        private mutating func parsePostfix() throws -> (Int, Int?) {
            let operatorScalar = text[position]
            position += 1
            switch operatorScalar {
            case "*": return (0, nil)
            case "+": return (1, nil)
            case "?": return (0, 1)
            default:
                skipSpace(newlines: false)
                guard let min = parseInteger() else { throw failure("expected a number after {") }
                skipSpace(newlines: false)
                var max: Int? = min
                if peek() == "," {
                    position += 1
                    skipSpace(newlines: false)
                    max = parseInteger()
                    skipSpace(newlines: false)
                }
                guard peek() == "}" else { throw failure("expected } in a repetition") }
                position += 1
                if let max, max < min { throw failure("repetition maximum below minimum") }
                return (min, max)
            }
        }

        private mutating func parseInteger() -> Int? {
            let start = position
            var value = 0
            while let next = peek(), ("0"..."9").contains(next) {
                value = value * 10 + Int(next.value - 0x30)
                position += 1
            }
            return position > start ? value : nil
        }

        private mutating func parseCharacter() throws -> Unicode.Scalar {
            let scalar = text[position]
            guard scalar == "\\" else {
                position += 1
                return scalar
            }
            guard let escaped = peek(1) else { throw failure("trailing backslash") }
            position += 2
            switch escaped {
            case "x": return try parseHex(digits: 2)
            case "u": return try parseHex(digits: 4)
            case "U": return try parseHex(digits: 8)
            case "t": return "\t"
            case "r": return "\r"
            case "n": return "\n"
            case "\\", "\"", "[", "]": return escaped
            default: throw failure("unknown escape \\\(escaped)")
            }
        }

        private mutating func parseHex(digits: Int) throws -> Unicode.Scalar {
            guard position + digits <= text.count,
                  let value = UInt32(String(String.UnicodeScalarView(text[position..<(position + digits)])), radix: 16),
                  let scalar = Unicode.Scalar(value) else { throw failure("bad hexadecimal escape") }
            position += digits
            return scalar
        }

        private mutating func parseName() throws -> String {
            let start = position
            while let next = peek(), isNameScalar(next) { position += 1 }
            guard position > start else { throw failure("expected a rule name") }
            return String(String.UnicodeScalarView(text[start..<position]))
        }

        private func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
        }

        private mutating func skipSpace(newlines: Bool) {
            while let next = peek() {
                if next == " " || next == "\t" || (newlines && (next == "\n" || next == "\r")) {
                    position += 1
                } else if next == "#" {
                    while let inComment = peek(), inComment != "\n", inComment != "\r" { position += 1 }
                } else {
                    return
                }
            }
        }

        private mutating func consume(_ token: String) -> Bool {
            let scalars = Array(token.unicodeScalars)
            guard position + scalars.count <= text.count,
                  text[position..<(position + scalars.count)].elementsEqual(scalars) else { return false }
            position += scalars.count
            return true
        }

        private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
            position + ahead < text.count ? text[position + ahead] : nil
        }

        private mutating func indexOf(rule name: String) -> Int {
            if let index = ruleIndex[name] { return index }
            ruleIndex[name] = bodies.count
            bodies.append(nil)
            return bodies.count - 1
        }

        private mutating func makeNode(_ expression: Expression) -> Node {
            nextNodeID += 1
            return Node(id: nextNodeID, expression: expression)
        }

        private func failure(_ message: String) -> GrammarError {
            GrammarError(description: "GBNF at scalar \(position): \(message)")
        }
    }
}
