import Foundation
import SequiturCore

/// A runtime value in a template, with Python's semantics (templates are written against Jinja on Python).
enum TemplateValue {
    /// A name or key that does not exist: prints as "", is false, iterates as empty; using it in arithmetic or
    /// calling it is an error naming it (Jinja's default `Undefined`).
    case undefined(String)
    case none
    case boolean(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    case list([TemplateValue])
    /// An insertion-ordered mapping with string keys (what chat messages and `tojson` need).
    case dictionary(TemplateDictionary)
    /// `namespace(...)`: the one mutable object, so `{% set ns.x = ... %}` inside a loop is seen after it.
    case namespace(TemplateNamespace)
    /// A built-in function or bound method.
    case function(TemplateFunction)

    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .boolean(b): return b
        case let .integer(i): return i != 0
        case let .float(f): return f != 0
        case let .string(s): return !s.isEmpty
        case let .list(l): return !l.isEmpty
        case let .dictionary(d): return !d.entries.isEmpty
        case .namespace, .function: return true
        }
    }

    var isDefined: Bool {
        if case .undefined = self { return false }
        return true
    }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "undefined"
        case .none: return "NoneType"
        case .boolean: return "bool"
        case .integer: return "int"
        case .float: return "float"
        case .string: return "str"
        case .list: return "list"
        case .dictionary: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }

    /// `str(value)` in Python: what `{{ value }}` prints (an undefined value prints nothing).
    var printed: String {
        switch self {
        case .undefined: return ""
        case let .string(s): return s
        default: return pythonRepresentation
        }
    }

    /// `repr(value)` in Python (used inside printed lists and dictionaries).
    var pythonRepresentation: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case let .boolean(b): return b ? "True" : "False"
        case let .integer(i): return String(i)
        case let .float(f): return Self.pythonFloat(f)
        case let .string(s): return Self.pythonQuoted(s)
        case let .list(items): return "[" + items.map(\.pythonRepresentation).joined(separator: ", ") + "]"
        case let .dictionary(d):
            return "{" + d.entries.map { Self.pythonQuoted($0.key) + ": " + $0.value.pythonRepresentation }
                .joined(separator: ", ") + "}"
        case let .namespace(n):
            return "<Namespace " + n.attributes.entries.map { "\($0.key)=\($0.value.pythonRepresentation)" }
                .joined(separator: ", ") + ">"
        case let .function(f): return "<function \(f.name)>"
        }
    }

    static func pythonFloat(_ f: Double) -> String {
        if f.isNaN { return "nan" }
        if f.isInfinite { return f > 0 ? "inf" : "-inf" }
        if f == f.rounded(), abs(f) < 1e16 { return String(format: "%.1f", f) }
        return "\(f)"
    }

    static func pythonQuoted(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(c) == quote { out += "\\" + String(quote) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + String(quote)
    }

    /// Python equality: numbers compare by value across int/float/bool, containers element-wise.
    func equals(_ other: TemplateValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a == b
        case let (.list(a), .list(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1) }
        case let (.dictionary(a), .dictionary(b)):
            return a.entries.count == b.entries.count
                && a.entries.allSatisfy { entry in b[entry.key].map { entry.value.equals($0) } ?? false }
        case let (.namespace(a), .namespace(b)): return a === b
        default:
            if let x = numericValue, let y = other.numericValue { return x == y }
            return false
        }
    }

    /// Integers, floats and booleans as a number (Python's bool is an int).
    var numericValue: Double? {
        switch self {
        case let .integer(i): return Double(i)
        case let .float(f): return f
        case let .boolean(b): return b ? 1 : 0
        default: return nil
        }
    }

    var integerValue: Int? {
        switch self {
        case let .integer(i): return i
        case let .boolean(b): return b ? 1 : 0
        default: return nil
        }
    }

    /// JSON text as Python's `json.dumps(ensure_ascii=False)` writes it (transformers' `tojson`).
    func json(indent: Int?, level: Int = 0, sortKeys: Bool = false) throws -> String {
        let newline = indent.map { "\n" + String(repeating: " ", count: $0 * (level + 1)) }
        let closing = indent.map { "\n" + String(repeating: " ", count: $0 * level) } ?? ""
        let separator = indent == nil ? ", " : ","
        switch self {
        case .undefined, .none: return "null"
        case let .boolean(b): return b ? "true" : "false"
        case let .integer(i): return String(i)
        case let .float(f): return f.isFinite ? Self.pythonFloat(f) : (f.isNaN ? "NaN" : (f > 0 ? "Infinity" : "-Infinity"))
        case let .string(s): return Self.jsonQuoted(s)
        case let .list(items):
            if items.isEmpty { return "[]" }
            let parts = try items.map { (newline ?? "") + (try $0.json(indent: indent, level: level + 1, sortKeys: sortKeys)) }
            return "[" + parts.joined(separator: separator) + closing + "]"
        case let .dictionary(d):
            if d.entries.isEmpty { return "{}" }
            let entries = sortKeys ? d.entries.sorted { $0.key < $1.key } : d.entries
            let parts = try entries.map {
                (newline ?? "") + Self.jsonQuoted($0.key) + ": "
                    + (try $0.value.json(indent: indent, level: level + 1, sortKeys: sortKeys))
            }
            return "{" + parts.joined(separator: separator) + closing + "}"
        case .namespace, .function:
            throw TemplateValueError("Object of type \(typeName) is not JSON serializable")
        }
    }

    static func jsonQuoted(_ s: String) -> String { jsonStringLiteral(s) }
}

/// A type error while computing a value; the evaluator adds the template location.
struct TemplateValueError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Insertion-ordered string-keyed entries (Python dicts keep insertion order, and `tojson` shows it).
struct TemplateDictionary {
    var entries: [(key: String, value: TemplateValue)] = []

    subscript(key: String) -> TemplateValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }
}

/// Jinja's `namespace()`: attributes assignable from inside loops.
final class TemplateNamespace {
    var attributes = TemplateDictionary()
}

/// Owns the namespaces one render creates. A namespace is a reference, so a template can store one in itself
/// (`{% set ns.me = ns %}`, or inside a list it holds) and make a cycle that reference counting never frees;
/// emptying every namespace when the render's evaluator goes away breaks all such cycles at once. Nothing a
/// render creates outlives it: the result is a string.
final class TemplateNamespaceRegistry {
    private var created: [TemplateNamespace] = []

    func make() -> TemplateNamespace {
        let namespace = TemplateNamespace()
        created.append(namespace)
        return namespace
    }

    func releaseAll() {
        for namespace in created { namespace.attributes = TemplateDictionary() }
        created = []
    }
}

/// A callable: `raise_exception`, `namespace`, or a bound string/dict method.
struct TemplateFunction {
    var name: String
    var call: (_ arguments: [TemplateValue], _ keywords: [(name: String, value: TemplateValue)]) throws -> TemplateValue
}
