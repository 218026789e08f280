/// A token inside a `{{ ... }}` or `{% ... %}` tag.
struct ExpressionToken: Equatable {
    enum Kind: Equatable {
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        /// Operators and punctuation: `+ - * / // % ** ~ == != < <= > >= ( ) [ ] { } , . : | =`.
        case symbol(String)
    }
    var kind: Kind
    var location: TemplateLocation
}

/// The template cut into literal text and tags, with Jinja's whitespace rules already applied to the text.
enum TemplateSegment {
    case text(String)
    /// `{{ expression }}`
    case output([ExpressionToken], TemplateLocation)
    /// `{% keyword ... %}`
    case statement([ExpressionToken], TemplateLocation)
}

/// Splits a template into segments the way Jinja's lexer does under transformers' environment
/// (`ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)`, `keep_trailing_newline=False`):
///
/// - `{%-`, `{{-`, `{#-` strip all whitespace (newlines included) before the tag; `-%}`, `-}}`, `-#}` after it.
/// - trim_blocks: the first newline after a `%}` or `#}` is removed (not after `}}`); `+%}` keeps it.
/// - lstrip_blocks: spaces and tabs between the start of a line and a `{%` or `{#` are removed; `{%+` keeps them.
/// - One trailing newline at the end of the template is dropped.
struct TemplateLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    init(source: String) {
        var scalars = Array(source.unicodeScalars)
        if scalars.last == "\n" { scalars.removeLast() }   // keep_trailing_newline=False
        self.scalars = scalars
    }

    mutating func segments() throws -> [TemplateSegment] {
        var result: [TemplateSegment] = []
        var text: [Unicode.Scalar] = []
        var lineStarting = true          // Jinja: did the previous tag's match end with a newline?

        func flush() {
            if !text.isEmpty { result.append(.text(String(String.UnicodeScalarView(text)))) }
            text.removeAll()
        }

        while index < scalars.count {
            guard scalars[index] == "{", index + 1 < scalars.count, "{%#".unicodeScalars.contains(scalars[index + 1])
            else {
                text.append(scalars[index])
                advance()
                continue
            }
            let start = location
            let opener = scalars[index + 1]
            advance(2)
            var sign: Unicode.Scalar?
            if index < scalars.count, scalars[index] == "-" || (scalars[index] == "+" && opener != "{") {
                sign = scalars[index]
                advance()
            }
            if sign == "-" {
                while let last = text.last, last.properties.isWhitespace { text.removeLast() }
            } else if sign == nil && opener != "{" {
                // lstrip_blocks: only whitespace between the line start and the tag => drop it.
                let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                let tail = text[lineStart...]
                if (lineStart > 0 || lineStarting) && !tail.isEmpty && tail.allSatisfy({ $0.properties.isWhitespace }) {
                    text.removeSubrange(lineStart...)
                }
            }
            flush()

            let closeSign: Unicode.Scalar?
            switch opener {
            case "#":
                closeSign = try skipComment(start: start)
            case "{":
                let (tokens, sign) = try tokenizeTag(closer: "}", start: start)
                closeSign = sign
                result.append(.output(tokens, start))
            default:
                let (tokens, sign) = try tokenizeTag(closer: "%", start: start)
                closeSign = sign
                result.append(.statement(tokens, start))
            }
            var consumedNewline = false
            if closeSign == "-" {
                while index < scalars.count, scalars[index].properties.isWhitespace {
                    consumedNewline = scalars[index] == "\n"
                    advance()
                }
            } else if closeSign == nil, opener != "{", index < scalars.count, scalars[index] == "\n" {
                advance()                // trim_blocks
                consumedNewline = true
            }
            lineStarting = consumedNewline
        }
        flush()
        return result
    }

    // MARK: - Scanning

    private var location: TemplateLocation { TemplateLocation(line: line, column: column) }

    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < scalars.count {
            if scalars[index] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    /// Skips to the end of a `{# ... #}` comment; returns its closing whitespace sign.
    private mutating func skipComment(start: TemplateLocation) throws -> Unicode.Scalar? {
        while index < scalars.count {
            if peek() == "#", peek(1) == "}" {
                let sign = index > 0 && (scalars[index - 1] == "-" || scalars[index - 1] == "+") ? scalars[index - 1] : nil
                advance(2)
                return sign
            }
            advance()
        }
        throw ChatTemplateError.syntax(message: "comment '{#' is never closed with '#}'", at: start)
    }

    /// Tokenizes a tag's inside up to its closer (`}}` or `%}`, optionally with a `-`/`+` sign before it).
    private mutating func tokenizeTag(closer: Unicode.Scalar, start: TemplateLocation) throws
        -> ([ExpressionToken], Unicode.Scalar?)
    {
        var tokens: [ExpressionToken] = []
        let tagName = closer == "}" ? "'{{' is never closed with '}}'" : "'{%' is never closed with '%}'"
        while index < scalars.count {
            let c = scalars[index]
            if c.properties.isWhitespace {
                advance()
                continue
            }
            if c == closer, peek(1) == "}" {
                advance(2)
                return (tokens, nil)
            }
            if c == "-" || (c == "+" && closer == "%"), peek(1) == closer, peek(2) == "}" {
                advance(3)
                return (tokens, c)
            }
            let here = location
            if c == "_" || c.properties.isAlphabetic {
                var name = ""
                while let s = peek(), s == "_" || s.properties.isAlphabetic || ("0"..."9").contains(s) {
                    name.unicodeScalars.append(s)
                    advance()
                }
                tokens.append(ExpressionToken(kind: .name(name), location: here))
            } else if ("0"..."9").contains(c) {
                tokens.append(ExpressionToken(kind: lexNumber(), location: here))
            } else if c == "'" || c == "\"" {
                tokens.append(ExpressionToken(kind: .string(try lexString(quote: c)), location: here))
            } else if let symbol = lexSymbol() {
                tokens.append(ExpressionToken(kind: .symbol(symbol), location: here))
            } else {
                throw ChatTemplateError.syntax(message: "unexpected character '\(c)'", at: here)
            }
        }
        throw ChatTemplateError.syntax(message: tagName, at: start)
    }

    private mutating func lexNumber() -> ExpressionToken.Kind {
        var digits = ""
        while let s = peek(), ("0"..."9").contains(s) || s == "_" {
            if s != "_" { digits.unicodeScalars.append(s) }
            advance()
        }
        if peek() == ".", let next = peek(1), ("0"..."9").contains(next) {
            digits += "."
            advance()
            while let s = peek(), ("0"..."9").contains(s) {
                digits.unicodeScalars.append(s)
                advance()
            }
            return .float(Double(digits) ?? 0)
        }
        return .integer(Int(digits) ?? Int.max)
    }

    /// A quoted string with Python escapes (`\n \t \r \\ \' \" \xHH \uHHHH \UHHHHHHHH`); an unknown escape keeps
    /// its backslash, as Python does.
    private mutating func lexString(quote: Unicode.Scalar) throws -> String {
        let start = location
        advance()
        var value = String.UnicodeScalarView()
        while let c = peek() {
            advance()
            if c == quote { return String(value) }
            guard c == "\\", let e = peek() else {
                value.append(c)
                continue
            }
            advance()
            switch e {
            case "n": value.append("\n")
            case "t": value.append("\t")
            case "r": value.append("\r")
            case "0": value.append("\0")
            case "\\", "'", "\"": value.append(e)
            case "\n": break                                  // line continuation
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                var hex = ""
                for _ in 0..<width {
                    guard let h = peek(), h.properties.isASCIIHexDigit else { break }
                    hex.unicodeScalars.append(h)
                    advance()
                }
                guard hex.count == width, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                    throw ChatTemplateError.syntax(message: "invalid \\\(e) escape in string literal", at: start)
                }
                value.append(scalar)
            default:
                value.append("\\")
                value.append(e)
            }
        }
        throw ChatTemplateError.syntax(message: "string literal is never closed", at: start)
    }

    private static let symbols = ["//", "**", "==", "!=", "<=", ">=",
                                  "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}",
                                  ",", ".", ":", "|", "="]

    private mutating func lexSymbol() -> String? {
        for symbol in Self.symbols {
            let parts = Array(symbol.unicodeScalars)
            if parts.indices.allSatisfy({ peek($0) == parts[$0] }) {
                advance(parts.count)
                return symbol
            }
        }
        return nil
    }
}
