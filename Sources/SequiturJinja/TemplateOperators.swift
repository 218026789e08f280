import Foundation

/// Binary operators with Python's semantics on `TemplateValue`s.
enum TemplateOperators {
    static func apply(_ op: String, _ l: TemplateValue, _ r: TemplateValue) throws -> TemplateValue {
        switch op {
        case "==": return .boolean(l.equals(r))
        case "!=": return .boolean(!l.equals(r))
        case "<", "<=", ">", ">=": return .boolean(try compare(op, l, r))
        case "in": return .boolean(try contains(r, l))
        case "not in": return .boolean(!(try contains(r, l)))
        case "~":
            let (a, b) = (l.printed, r.printed)
            try TemplateSizeLimit.check(a.utf8.count + b.utf8.count, building: "a string")
            return .string(a + b)
        case "+": return try add(l, r)
        default: return try arithmetic(op, l, r)
        }
    }

    private static func operandError(_ op: String, _ l: TemplateValue, _ r: TemplateValue) -> TemplateValueError {
        for v in [l, r] {
            if case let .undefined(name) = v {
                return TemplateValueError("'\(name)' is undefined (used as an operand of '\(op)')")
            }
        }
        return TemplateValueError("unsupported operand types for \(op): '\(l.typeName)' and '\(r.typeName)'")
    }

    private static func add(_ l: TemplateValue, _ r: TemplateValue) throws -> TemplateValue {
        switch (l, r) {
        case let (.string(a), .string(b)):
            try TemplateSizeLimit.check(a.utf8.count + b.utf8.count, building: "a string")
            return .string(a + b)
        case let (.list(a), .list(b)):
            try TemplateSizeLimit.check(a.count + b.count, building: "a list")
            return .list(a + b)
        default: return try arithmetic("+", l, r)
        }
    }

    private static func arithmetic(_ op: String, _ l: TemplateValue, _ r: TemplateValue) throws -> TemplateValue {
        if op == "*" {
            // Python repeats strings and lists by an integer.
            switch (l, r) {
            case let (.string(s), n) where n.integerValue != nil, let (n, .string(s)) where n.integerValue != nil:
                let count = max(0, n.integerValue!)
                try TemplateSizeLimit.check(TemplateSizeLimit.repeated(s.utf8.count, count), building: "a string")
                return .string(String(repeating: s, count: count))
            case let (.list(items), n) where n.integerValue != nil:
                let count = max(0, n.integerValue!)
                try TemplateSizeLimit.check(TemplateSizeLimit.repeated(items.count, count), building: "a list")
                return .list(Array([[TemplateValue]](repeating: items, count: count).joined()))
            default: break
            }
        }
        if let a = l.integerValue, let b = r.integerValue {
            switch op {
            case "+": return .integer(a &+ b)
            case "-": return .integer(a &- b)
            case "*": return .integer(a &* b)
            case "/":
                guard b != 0 else { throw TemplateValueError("division by zero") }
                return .float(Double(a) / Double(b))
            case "//":
                guard b != 0 else { throw TemplateValueError("integer division by zero") }
                return .integer(try PythonIntegerArithmetic.floorDivide(a, b))
            case "%":
                guard b != 0 else { throw TemplateValueError("integer modulo by zero") }
                return .integer(PythonIntegerArithmetic.modulo(a, b))
            case "**":
                guard b >= 0 else { return .float(pow(Double(a), Double(b))) }
                return .integer(try PythonIntegerArithmetic.power(a, b))
            default: break
            }
        }
        guard let a = l.numericValue, let b = r.numericValue else { throw operandError(op, l, r) }
        switch op {
        case "+": return .float(a + b)
        case "-": return .float(a - b)
        case "*": return .float(a * b)
        case "/":
            guard b != 0 else { throw TemplateValueError("float division by zero") }
            return .float(a / b)
        case "//":
            guard b != 0 else { throw TemplateValueError("float floor division by zero") }
            return .float((a / b).rounded(.down))
        case "%":
            guard b != 0 else { throw TemplateValueError("float modulo by zero") }
            return .float(a - b * (a / b).rounded(.down))
        case "**": return .float(pow(a, b))
        default: throw TemplateValueError("unknown operator '\(op)'")
        }
    }

    private static func compare(_ op: String, _ l: TemplateValue, _ r: TemplateValue) throws -> Bool {
        let ordering: Int
        if let a = l.numericValue, let b = r.numericValue {
            ordering = a < b ? -1 : (a > b ? 1 : 0)
        } else if case let .string(a) = l, case let .string(b) = r {
            // Python compares strings by code point.
            let x = Array(a.unicodeScalars.map(\.value)), y = Array(b.unicodeScalars.map(\.value))
            ordering = x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        } else {
            throw TemplateValueError("'\(op)' not supported between instances of '\(l.typeName)' and '\(r.typeName)'")
        }
        switch op {
        case "<": return ordering < 0
        case "<=": return ordering <= 0
        case ">": return ordering > 0
        default: return ordering >= 0
        }
    }

    /// `needle in container`: substring, list membership or dictionary key.
    private static func contains(_ container: TemplateValue, _ needle: TemplateValue) throws -> Bool {
        switch container {
        case let .string(s):
            guard case let .string(n) = needle else {
                throw TemplateValueError("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return PythonString.find(n, in: s) != nil
        case let .list(items): return items.contains { $0.equals(needle) }
        case let .dictionary(d):
            guard case let .string(key) = needle else { return false }
            return d[key] != nil
        case let .namespace(n):
            guard case let .string(key) = needle else { return false }
            return n.attributes[key] != nil
        case let .undefined(name):
            throw TemplateValueError("'\(name)' is undefined (used as the right operand of 'in')")
        default:
            throw TemplateValueError("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
