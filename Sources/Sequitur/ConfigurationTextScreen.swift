/// A pass over configuration text before the YAML parser sees it, refusing the two shapes that make parsing
/// itself dangerous: anchors and aliases, which let a few lines expand to gigabytes ("billion laughs"), and
/// nesting deep enough to exhaust the stack of a recursive composer. A configuration needs neither: its deepest
/// field (`decoder.parameters.NAME`) is three levels down.
///
/// The scan is lexical: it skips quoted strings and comments, counts flow brackets, and reads indentation for
/// block nesting. A `&` or `*` that starts a token outside quotes is an anchor or alias in YAML (a plain scalar
/// cannot start with either), so it is refused wherever it appears.
enum ConfigurationTextScreen {
    /// Far above any real configuration, far below what breaks the parser.
    static let maxDepth = 64

    static func check(_ text: String) throws {
        var flowDepth = 0
        var quote: Character?
        var escaped = false
        var atTokenStart = true
        var lineNumber = 1
        var atLineStart = true
        var indentation = 0
        var inComment = false
        for ch in text {
            if ch == "\n" {
                lineNumber += 1
                atLineStart = true
                indentation = 0
                inComment = false
                atTokenStart = true
                if quote == "'" || quote == "\"" { continue }   // multi-line quoted scalars go on
                continue
            }
            if inComment { continue }
            if let q = quote {
                if escaped { escaped = false } else if q == "\"" && ch == "\\" { escaped = true } else if ch == q { quote = nil }
                continue
            }
            if atLineStart {
                if ch == " " || ch == "-" {
                    indentation += 1
                    if indentation > maxDepth * 4 {
                        throw ConfigurationError.invalidValue(
                            path: "(document)", message: "line \(lineNumber) is indented more than \(maxDepth * 4) columns: nesting deeper than a configuration can be")
                    }
                    if ch == "-" { atTokenStart = true }
                    continue
                }
                atLineStart = false
            }
            switch ch {
            case "#" where atTokenStart:
                inComment = true
            case "\"", "'":
                if atTokenStart { quote = ch }
            case "[", "{":
                flowDepth += 1
                if flowDepth > maxDepth {
                    throw ConfigurationError.invalidValue(
                        path: "(document)", message: "line \(lineNumber) nests more than \(maxDepth) levels of [ ] and { }: deeper than a configuration can be")
                }
            case "]", "}":
                flowDepth = max(0, flowDepth - 1)
            case "&", "*":
                if atTokenStart {
                    throw ConfigurationError.invalidValue(
                        path: "(document)", message: "line \(lineNumber): YAML anchors and aliases (\(ch)) are not accepted in a configuration; write each value out")
                }
            default:
                break
            }
            atTokenStart = ch == " " || ch == "\t" || ch == "[" || ch == "{" || ch == "," || ch == ":" || ch == "-"
        }
    }
}
