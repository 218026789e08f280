/// The Jinja filters the subset implements. Names are checked at parse time: any other filter is an
/// `unsupported` error pointing at it.
enum TemplateFilters {
    static let names: Set<String> = [
        "trim", "length", "count", "upper", "lower", "capitalize", "tojson", "first", "last", "join", "default",
        "d", "string", "int", "float", "abs", "reverse", "replace", "list",
    ]

    static func apply(_ name: String, to value: TemplateValue, arguments: [TemplateValue],
                      keywords: [(name: String, value: TemplateValue)]) throws -> TemplateValue {
        // Only `default` accepts an undefined value; every other filter names the undefined input.
        if case let .undefined(variable) = value, name != "default", name != "d" {
            throw TemplateValueError("'\(variable)' is undefined (passed to filter '\(name)')")
        }
        switch name {
        case "trim":
            let characters: String?
            if case let .string(c)? = arguments.first { characters = c } else { characters = nil }
            return .string(PythonString.strip(value.printed, characters: characters))
        case "length", "count":
            switch value {
            case let .string(s): return .integer(s.unicodeScalars.count)
            case let .list(items): return .integer(items.count)
            case let .dictionary(d): return .integer(d.entries.count)
            default: throw TemplateValueError("object of type '\(value.typeName)' has no len()")
            }
        case "upper": return .string(value.printed.uppercased())
        case "lower": return .string(value.printed.lowercased())
        case "capitalize": return .string(PythonString.capitalize(value.printed))
        case "string": return .string(value.printed)
        case "tojson":
            var indent = arguments.first?.integerValue
            var sortKeys = false
            for (key, v) in keywords {
                switch key {
                case "indent": indent = v.integerValue
                case "sort_keys": sortKeys = v.isTruthy
                case "ensure_ascii" where !v.isTruthy: break
                default: throw TemplateValueError("tojson: unsupported argument '\(key)'")
                }
            }
            return .string(try value.json(indent: indent, sortKeys: sortKeys))
        case "first", "last":
            let items = try sequence(value, filter: name)
            return (name == "first" ? items.first : items.last) ?? .undefined("\(name) of an empty sequence")
        case "reverse":
            if case let .string(s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try sequence(value, filter: name).reversed())
        case "list":
            return .list(try sequence(value, filter: name))
        case "join":
            var separator = ""
            if case let .string(s)? = arguments.first { separator = s }
            return .string(try sequence(value, filter: name).map(\.printed).joined(separator: separator))
        case "default", "d":
            let fallback = arguments.first ?? .string("")
            let checkTruthiness = arguments.count > 1 && arguments[1].isTruthy
            return (!value.isDefined || (checkTruthiness && !value.isTruthy)) ? fallback : value
        case "int":
            switch value {
            case let .integer(i): return .integer(i)
            case let .float(f): return .integer(try PythonIntegerArithmetic.truncating(f))
            case let .boolean(b): return .integer(b ? 1 : 0)
            case let .string(s):
                let text = PythonString.strip(s)
                return .integer(try Int(text) ?? PythonIntegerArithmetic.truncating(Double(text) ?? 0))
            default: return .integer(0)
            }
        case "float":
            if let n = value.numericValue { return .float(n) }
            if case let .string(s) = value { return .float(Double(PythonString.strip(s)) ?? 0) }
            return .float(0)
        case "abs":
            if case let .integer(i) = value { return .integer(try PythonIntegerArithmetic.absoluteValue(i)) }
            guard let n = value.numericValue else { throw TemplateValueError("bad operand type for abs(): '\(value.typeName)'") }
            return .float(abs(n))
        case "replace":
            guard arguments.count >= 2, case let .string(old) = arguments[0], case let .string(new) = arguments[1] else {
                throw TemplateValueError("replace filter takes two string arguments")
            }
            return .string(PythonString.replace(value.printed, old, new))
        default:
            throw TemplateValueError("filter '\(name)' is not implemented")
        }
    }

    private static func sequence(_ value: TemplateValue, filter: String) throws -> [TemplateValue] {
        switch value {
        case let .list(items): return items
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case let .dictionary(d): return d.entries.map { .string($0.key) }
        default: throw TemplateValueError("filter '\(filter)' needs a sequence, got \(value.typeName)")
        }
    }
}

/// The Jinja tests (`x is defined`, ...) the subset implements; names are checked at parse time.
enum TemplateTests {
    static let names: Set<String> = [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "mapping", "sequence",
        "iterable", "true", "false", "odd", "even", "divisibleby", "equalto", "eq", "ne",
    ]

    static func apply(_ name: String, to value: TemplateValue, arguments: [TemplateValue]) throws -> Bool {
        func argument() throws -> TemplateValue {
            guard let a = arguments.first else { throw TemplateValueError("test '\(name)' needs an argument") }
            return a
        }
        switch name {
        case "defined": return value.isDefined
        case "undefined": return !value.isDefined
        case "none": return value.isNone
        case "string": if case .string = value { return true } else { return false }
        case "number":
            switch value { case .integer, .float: return true; default: return false }
        case "integer": if case .integer = value { return true } else { return false }
        case "float": if case .float = value { return true } else { return false }
        case "boolean": if case .boolean = value { return true } else { return false }
        case "mapping": if case .dictionary = value { return true } else { return false }
        case "sequence", "iterable":
            switch value { case .list, .string, .dictionary: return true; default: return false }
        case "true": if case .boolean(true) = value { return true } else { return false }
        case "false": if case .boolean(false) = value { return true } else { return false }
        case "odd", "even":
            guard let i = value.integerValue else { throw TemplateValueError("test '\(name)' needs an integer, got \(value.typeName)") }
            return (abs(i) % 2 == 1) == (name == "odd")
        case "divisibleby":
            guard let i = value.integerValue, let d = try argument().integerValue, d != 0 else {
                throw TemplateValueError("test 'divisibleby' needs integers and a non-zero divisor")
            }
            return i % d == 0
        case "equalto", "eq": return value.equals(try argument())
        case "ne": return !value.equals(try argument())
        default: throw TemplateValueError("test '\(name)' is not implemented")
        }
    }
}
