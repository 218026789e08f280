/// Parses lexed segments into `TemplateNode`s: a recursive-descent parser for statements and for expressions
/// with Jinja's precedence, loosest first:
///
///     a if c else b  <  or  <  and  <  not  <  comparisons, in, not in  <  + -  <  ~  <  * / // %  <  **
///     <  unary - +  <  primary with .attr [index] (call)  then  | filter  and  is test
///
/// Filters and tests are checked against what the evaluator implements while parsing, so an unknown one is
/// reported before anything renders.
struct TemplateParser {
    private let segments: [TemplateSegment]
    private var position = 0

    init(segments: [TemplateSegment]) { self.segments = segments }

    mutating func parseTemplate() throws -> [TemplateNode] {
        let (body, end) = try parseBody(until: [])
        if let end { throw ChatTemplateError.syntax(message: "unexpected '{% \(end.keyword) %}'", at: end.location) }
        return body
    }

    // MARK: - Statements

    /// The tag that ended a body: its keyword, its remaining tokens and where it is.
    private struct EndTag {
        var keyword: String
        var tokens: ExpressionTokens
        var location: TemplateLocation
    }

    /// Parses nodes until a statement whose keyword is in `terminators` (returned) or the end of the template
    /// (nil is returned; the caller decides whether that is an unclosed block).
    private mutating func parseBody(until terminators: Set<String>) throws -> ([TemplateNode], EndTag?) {
        var nodes: [TemplateNode] = []
        while position < segments.count {
            let segment = segments[position]
            position += 1
            switch segment {
            case let .text(text):
                nodes.append(.text(text))
            case let .output(tokens, location):
                var stream = ExpressionTokens(tokens, tagLocation: location)
                let expression = try stream.parseExpression()
                try stream.expectEnd()
                nodes.append(.output(expression))
            case let .statement(tokens, location):
                var stream = ExpressionTokens(tokens, tagLocation: location)
                let keyword = try stream.expectName(what: "a statement keyword")
                if terminators.contains(keyword) {
                    return (nodes, EndTag(keyword: keyword, tokens: stream, location: location))
                }
                nodes.append(try parseStatement(keyword, &stream, location))
            }
        }
        return (nodes, nil)
    }

    private mutating func parseStatement(_ keyword: String, _ stream: inout ExpressionTokens,
                                         _ location: TemplateLocation) throws -> TemplateNode {
        switch keyword {
        case "if": return try parseIf(&stream, location)
        case "for": return try parseFor(&stream, location)
        case "set": return try parseSet(&stream, location)
        case "break", "continue":
            try stream.expectEnd()
            return .loopControl(isBreak: keyword == "break", location)
        case "generation":
            try stream.expectEnd()
            let body = try parseBlockBody(opener: "generation", location, terminators: ["endgeneration"]).0
            return .generation(body)
        case "elif", "else", "endif", "endfor", "endgeneration", "endset":
            throw ChatTemplateError.syntax(message: "'{% \(keyword) %}' without a matching opening tag", at: location)
        default:
            throw ChatTemplateError.unsupported(construct: "'{% \(keyword) %}' tag", at: location)
        }
    }

    /// A body that must be closed by one of `terminators`; an end of template first is an unclosed block.
    private mutating func parseBlockBody(opener: String, _ location: TemplateLocation, terminators: Set<String>)
        throws -> ([TemplateNode], EndTag)
    {
        let (body, end) = try parseBody(until: terminators)
        guard let end else {
            let expected = terminators.sorted().map { "'{% \($0) %}'" }.joined(separator: " or ")
            throw ChatTemplateError.syntax(
                message: "'{% \(opener) %}' block is never closed (expected \(expected))", at: location)
        }
        return (body, end)
    }

    private mutating func parseIf(_ stream: inout ExpressionTokens, _ location: TemplateLocation) throws -> TemplateNode {
        var branches: [(condition: TemplateExpression, body: [TemplateNode])] = []
        var condition = try stream.parseExpression()
        try stream.expectEnd()
        while true {
            var (body, end) = try parseBlockBody(opener: "if", location, terminators: ["elif", "else", "endif"])
            branches.append((condition, body))
            switch end.keyword {
            case "elif":
                condition = try end.tokens.parseExpression()
                try end.tokens.expectEnd()
            case "else":
                try end.tokens.expectEnd()
                var (otherwise, last) = try parseBlockBody(opener: "if", location, terminators: ["endif"])
                try last.tokens.expectEnd()
                return .conditional(branches, otherwise: otherwise)
            default:
                try end.tokens.expectEnd()
                return .conditional(branches, otherwise: [])
            }
        }
    }

    private mutating func parseFor(_ stream: inout ExpressionTokens, _ location: TemplateLocation) throws -> TemplateNode {
        var targets = [try stream.expectName(what: "a loop variable")]
        while stream.skip(symbol: ",") { targets.append(try stream.expectName(what: "a loop variable")) }
        try stream.expect(keyword: "in")
        // `for x in xs if cond` and `recursive` are Jinja features this subset leaves out.
        let iterable = try stream.parseExpression(allowConditional: false)
        if let extra = stream.peek, case .name(let word) = extra.kind, word == "if" || word == "recursive" {
            throw ChatTemplateError.unsupported(construct: "'\(word)' in a for loop", at: extra.location)
        }
        try stream.expectEnd()
        var (body, end) = try parseBlockBody(opener: "for", location, terminators: ["else", "endfor"])
        try end.tokens.expectEnd()
        var empty: [TemplateNode] = []
        if end.keyword == "else" {
            var last: EndTag
            (empty, last) = try parseBlockBody(opener: "for", location, terminators: ["endfor"])
            try last.tokens.expectEnd()
        }
        return .loop(targets: targets, iterable: iterable, body: body, empty: empty, location)
    }

    private mutating func parseSet(_ stream: inout ExpressionTokens, _ location: TemplateLocation) throws -> TemplateNode {
        let name = try stream.expectName(what: "a variable name")
        var target = AssignmentTarget.name(name)
        if stream.skip(symbol: ".") {
            target = .namespaceAttribute(namespace: name, attribute: try stream.expectName(what: "an attribute name"))
        }
        guard stream.skip(symbol: "=") else {
            throw ChatTemplateError.unsupported(
                construct: "'{% set \(name) %}' without '=' (block assignment or tuple unpacking)",
                at: stream.peek?.location ?? location)
        }
        let value = try stream.parseExpression()
        try stream.expectEnd()
        return .assignment(target, value, location)
    }
}

/// The tokens of one tag, with the expression grammar over them.
struct ExpressionTokens {
    private let tokens: [ExpressionToken]
    private var index = 0
    private let tagLocation: TemplateLocation

    init(_ tokens: [ExpressionToken], tagLocation: TemplateLocation) {
        self.tokens = tokens
        self.tagLocation = tagLocation
    }

    var peek: ExpressionToken? { index < tokens.count ? tokens[index] : nil }
    private var here: TemplateLocation { peek?.location ?? tagLocation }

    mutating func expectEnd() throws {
        if let extra = peek {
            throw ChatTemplateError.syntax(message: "unexpected \(Self.describe(extra)) at the end of the tag",
                                           at: extra.location)
        }
    }

    mutating func expectName(what: String) throws -> String {
        guard let token = peek, case .name(let name) = token.kind else {
            throw ChatTemplateError.syntax(message: "expected \(what), found \(peek.map(Self.describe) ?? "end of tag")",
                                           at: here)
        }
        index += 1
        return name
    }

    mutating func expect(keyword: String) throws {
        guard skip(keyword: keyword) else {
            throw ChatTemplateError.syntax(message: "expected '\(keyword)', found \(peek.map(Self.describe) ?? "end of tag")",
                                           at: here)
        }
    }

    mutating func expect(symbol: String) throws {
        guard skip(symbol: symbol) else {
            throw ChatTemplateError.syntax(message: "expected '\(symbol)', found \(peek.map(Self.describe) ?? "end of tag")",
                                           at: here)
        }
    }

    mutating func skip(symbol: String) -> Bool {
        guard let token = peek, token.kind == .symbol(symbol) else { return false }
        index += 1
        return true
    }

    mutating func skip(keyword: String) -> Bool {
        guard let token = peek, token.kind == .name(keyword) else { return false }
        index += 1
        return true
    }

    private func isKeyword(_ word: String, offset: Int = 0) -> Bool {
        index + offset < tokens.count && tokens[index + offset].kind == .name(word)
    }

    static func describe(_ token: ExpressionToken) -> String {
        switch token.kind {
        case let .name(n): return "'\(n)'"
        case let .string(s): return "string '\(s)'"
        case let .integer(i): return "number \(i)"
        case let .float(f): return "number \(f)"
        case let .symbol(s): return "'\(s)'"
        }
    }

    // MARK: - Expressions, loosest binding first

    mutating func parseExpression(allowConditional: Bool = true) throws -> TemplateExpression {
        let location = here
        let value = try parseOr()
        guard allowConditional, skip(keyword: "if") else { return value }
        let condition = try parseOr()
        let otherwise = skip(keyword: "else") ? try parseExpression() : nil
        return .conditional(then: value, condition: condition, otherwise: otherwise, location)
    }

    private mutating func parseOr() throws -> TemplateExpression {
        var left = try parseAnd()
        while let location = peek?.location, skip(keyword: "or") {
            left = .binary("or", left, try parseAnd(), location)
        }
        return left
    }

    private mutating func parseAnd() throws -> TemplateExpression {
        var left = try parseNot()
        while let location = peek?.location, skip(keyword: "and") {
            left = .binary("and", left, try parseNot(), location)
        }
        return left
    }

    private mutating func parseNot() throws -> TemplateExpression {
        if let location = peek?.location, skip(keyword: "not") {
            return .unary("not", try parseNot(), location)
        }
        return try parseComparison()
    }

    private static let comparisons: Set<String> = ["==", "!=", "<", "<=", ">", ">="]

    private mutating func parseComparison() throws -> TemplateExpression {
        var left = try parseAdditive()
        while let token = peek {
            if case .symbol(let op) = token.kind, Self.comparisons.contains(op) {
                index += 1
                left = .binary(op, left, try parseAdditive(), token.location)
            } else if isKeyword("in") {
                index += 1
                left = .binary("in", left, try parseAdditive(), token.location)
            } else if isKeyword("not"), isKeyword("in", offset: 1) {
                index += 2
                left = .binary("not in", left, try parseAdditive(), token.location)
            } else {
                break
            }
        }
        return left
    }

    private mutating func parseBinary(_ operators: Set<String>, next: (inout ExpressionTokens) throws -> TemplateExpression)
        rethrows -> TemplateExpression
    {
        var left = try next(&self)
        while let token = peek, case .symbol(let op) = token.kind, operators.contains(op) {
            index += 1
            left = .binary(op, left, try next(&self), token.location)
        }
        return left
    }

    private mutating func parseAdditive() throws -> TemplateExpression {
        try parseBinary(["+", "-"]) { try $0.parseConcatenation() }
    }

    private mutating func parseConcatenation() throws -> TemplateExpression {
        try parseBinary(["~"]) { try $0.parseMultiplicative() }
    }

    private mutating func parseMultiplicative() throws -> TemplateExpression {
        try parseBinary(["*", "/", "//", "%"]) { try $0.parsePower() }
    }

    private mutating func parsePower() throws -> TemplateExpression {
        try parseBinary(["**"]) { try $0.parseUnary() }
    }

    private mutating func parseUnary() throws -> TemplateExpression {
        if let token = peek, case .symbol(let op) = token.kind, op == "-" || op == "+" {
            index += 1
            return try parseFiltersAndTests(.unary(op, try parsePostfix(try parsePrimary()), token.location))
        }
        return try parseFiltersAndTests(try parsePostfix(try parsePrimary()))
    }

    private mutating func parsePrimary() throws -> TemplateExpression {
        guard let token = peek else {
            throw ChatTemplateError.syntax(message: "expected an expression, found end of tag", at: tagLocation)
        }
        index += 1
        let location = token.location
        switch token.kind {
        case let .string(s):
            var value = s
            // Adjacent string literals concatenate, as in Python and Jinja.
            while let next = peek, case .string(let more) = next.kind {
                value += more
                index += 1
            }
            return .literal(.string(value), location)
        case let .integer(i): return .literal(.integer(i), location)
        case let .float(f): return .literal(.float(f), location)
        case let .name(name):
            switch name {
            case "true", "True": return .literal(.boolean(true), location)
            case "false", "False": return .literal(.boolean(false), location)
            case "none", "None": return .literal(.none, location)
            default: return .variable(name, location)
            }
        case .symbol("("):
            let inner = try parseExpression()
            if peek?.kind == .symbol(",") {
                throw ChatTemplateError.unsupported(construct: "tuple literal", at: location)
            }
            try expect(symbol: ")")
            return inner
        case .symbol("["):
            var items: [TemplateExpression] = []
            while !skip(symbol: "]") {
                if !items.isEmpty { try expect(symbol: ",") }
                if skip(symbol: "]") { break }               // trailing comma
                items.append(try parseExpression())
            }
            return .list(items, location)
        case .symbol("{"):
            var pairs: [(key: TemplateExpression, value: TemplateExpression)] = []
            while !skip(symbol: "}") {
                if !pairs.isEmpty { try expect(symbol: ",") }
                if skip(symbol: "}") { break }
                let key = try parseExpression()
                try expect(symbol: ":")
                pairs.append((key, try parseExpression()))
            }
            return .dictionary(pairs, location)
        default:
            throw ChatTemplateError.syntax(message: "unexpected \(Self.describe(token))", at: location)
        }
    }

    private mutating func parsePostfix(_ base: TemplateExpression) throws -> TemplateExpression {
        var node = base
        while let token = peek {
            if skip(symbol: ".") {
                node = .attribute(node, try expectName(what: "an attribute name after '.'"), token.location)
            } else if skip(symbol: "[") {
                node = try parseSubscript(node, token.location)
            } else if skip(symbol: "(") {
                let (arguments, keywords) = try parseArguments()
                node = .call(node, arguments, keywords, token.location)
            } else {
                break
            }
        }
        return node
    }

    private mutating func parseSubscript(_ base: TemplateExpression, _ location: TemplateLocation) throws
        -> TemplateExpression
    {
        let start = peek?.kind == .symbol(":") ? nil : try parseExpression()
        if skip(symbol: ":") {
            let stop = (peek?.kind == .symbol("]") || peek?.kind == .symbol(":")) ? nil : try parseExpression()
            var step: TemplateExpression?
            if skip(symbol: ":") {
                step = peek?.kind == .symbol("]") ? nil : try parseExpression()
            }
            try expect(symbol: "]")
            return .slice(base, start, stop, step, location)
        }
        try expect(symbol: "]")
        guard let start else { throw ChatTemplateError.syntax(message: "empty subscript", at: location) }
        return .subscript(base, start, location)
    }

    /// Call arguments after '(' up to ')': positional, then `name=value` keywords.
    private mutating func parseArguments() throws -> ([TemplateExpression], [(name: String, value: TemplateExpression)]) {
        var arguments: [TemplateExpression] = []
        var keywords: [(name: String, value: TemplateExpression)] = []
        while !skip(symbol: ")") {
            if !arguments.isEmpty || !keywords.isEmpty { try expect(symbol: ",") }
            if skip(symbol: ")") { break }
            if let token = peek, case .name(let name) = token.kind,
               index + 1 < tokens.count, tokens[index + 1].kind == .symbol("=") {
                index += 2
                keywords.append((name, try parseExpression()))
            } else {
                arguments.append(try parseExpression())
            }
        }
        return (arguments, keywords)
    }

    private mutating func parseFiltersAndTests(_ base: TemplateExpression) throws -> TemplateExpression {
        var node = base
        while let token = peek {
            if skip(symbol: "|") {
                let nameLocation = here
                let name = try expectName(what: "a filter name after '|'")
                guard TemplateFilters.names.contains(name) else {
                    throw ChatTemplateError.unsupported(construct: "filter '\(name)'", at: nameLocation)
                }
                var arguments: [TemplateExpression] = []
                var keywords: [(name: String, value: TemplateExpression)] = []
                if skip(symbol: "(") { (arguments, keywords) = try parseArguments() }
                node = .filter(node, name: name, arguments, keywords, token.location)
            } else if skip(keyword: "is") {
                let negated = skip(keyword: "not")
                let nameLocation = here
                let name: String
                // `none`, `true` and `false` are also literals; as test names they are plain words.
                if let t = peek, case .name(let word) = t.kind {
                    name = word.lowercased() == "none" || word == "True" || word == "False" ? word.lowercased() : word
                    index += 1
                } else {
                    throw ChatTemplateError.syntax(message: "expected a test name after 'is'", at: nameLocation)
                }
                guard TemplateTests.names.contains(name) else {
                    throw ChatTemplateError.unsupported(construct: "test '\(name)'", at: nameLocation)
                }
                var arguments: [TemplateExpression] = []
                if skip(symbol: "(") {
                    let parsed = try parseArguments()
                    arguments = parsed.0
                } else if let next = peek, Self.startsTestArgument(next) {
                    // Jinja allows one bare argument: `x is divisibleby 3`, `x is sameas false`.
                    arguments = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, name: name, arguments, negated: negated, token.location)
            } else {
                break
            }
        }
        return node
    }

    private static func startsTestArgument(_ token: ExpressionToken) -> Bool {
        switch token.kind {
        case .string, .integer, .float: return true
        case let .name(n): return !["and", "or", "if", "else", "in", "not", "is"].contains(n)
        case .symbol: return false
        }
    }
}
