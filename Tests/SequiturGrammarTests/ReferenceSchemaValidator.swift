import Foundation

/// A second opinion on what a schema means, for tests: it validates parsed documents directly against the
/// schema, by the JSON Schema rules, sharing nothing with `JSONSchemaGrammar`. A document the generated grammar
/// accepts but this rejects exposes a translation that lets invalid output through.
///
/// Unlike the grammar, `oneOf` here means exactly one branch, so a test that relies on the grammar's
/// anyOf-reading of `oneOf` must use branches that cannot overlap. It covers the same keywords as the
/// translator and assumes the schema was already accepted by it.
struct ReferenceSchemaValidator {
    let root: Any

    init(schema: String) throws {
        root = try JSONSerialization.jsonObject(with: Data(schema.utf8), options: [.fragmentsAllowed])
    }

    /// Whether `document` is JSON text that validates; text that does not parse does not validate.
    func validates(_ document: String) -> Bool {
        guard !Self.hasTrailingComma(document), let value = try? JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed])
        else { return false }
        return validates(value, against: root)
    }

    /// Foundation's parser on Linux takes `[1,]` and `{"a":1,}`, which are not JSON, so they are caught here
    /// rather than letting the validator call them valid.
    private static func hasTrailingComma(_ document: String) -> Bool {
        var inString = false
        var escaped = false
        var pendingComma = false
        for scalar in document.unicodeScalars {
            if inString {
                if escaped { escaped = false } else if scalar == "\\" { escaped = true } else if scalar == "\"" { inString = false }
                continue
            }
            switch scalar {
            case "\"": inString = true; pendingComma = false
            case ",": pendingComma = true
            case "]", "}": if pendingComma { return true }
            case " ", "\t", "\n", "\r": break
            default: pendingComma = false
            }
        }
        return false
    }

    /// The JSON kind of a parsed value. Foundation hands booleans back as NSNumber, and on Linux `is Bool` holds
    /// for the numbers 0 and 1 as well, so booleans are told apart by their boxed class.
    private enum Kind: Equatable {
        case object, array, string, number, boolean, null
    }

    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(describing: type(of: number)).contains("Boolean")
    }

    private static func kind(_ value: Any) -> Kind {
        if value is NSNull { return .null }
        if value is [String: Any] { return .object }
        if value is [Any] { return .array }
        if value is String { return .string }
        if isBoolean(value) { return .boolean }
        return .number
    }

    private static func isInteger(_ value: Any) -> Bool {
        guard kind(value) == .number, let number = value as? NSNumber else { return false }
        let double = number.doubleValue
        return double.rounded() == double
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        let kindA = kind(a)
        guard kindA == kind(b) else { return false }
        switch kindA {
        case .null: return true
        case .boolean: return (a as! NSNumber).boolValue == (b as! NSNumber).boolValue
        case .number: return (a as! NSNumber).doubleValue == (b as! NSNumber).doubleValue
        case .string: return (a as! String) == (b as! String)
        case .array:
            let (left, right) = (a as! [Any], b as! [Any])
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case .object:
            let (left, right) = (a as! [String: Any], b as! [String: Any])
            return left.count == right.count && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        }
    }

    private func resolve(_ reference: String) -> Any {
        var target = root
        for token in reference.dropFirst(2).split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            target = (target as! [String: Any])[key]!
        }
        return target
    }

    private func validates(_ value: Any, against schema: Any) -> Bool {
        // A boolean schema: true admits everything, false nothing.
        guard let schema = schema as? [String: Any] else { return schema as! Bool }
        let kind = Self.kind(value)

        if let reference = schema["$ref"] as? String, !validates(value, against: resolve(reference)) { return false }
        if let branches = schema["anyOf"] as? [Any], !branches.contains(where: { validates(value, against: $0) }) {
            return false
        }
        if let branches = schema["oneOf"] as? [Any], branches.filter({ validates(value, against: $0) }).count != 1 {
            return false
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { Self.equal(value, $0) }) { return false }
        if let constant = schema["const"], !Self.equal(value, constant) { return false }

        if let declared = schema["type"] {
            let names = (declared as? [String]) ?? [declared as! String]
            let matchesType = names.contains { name in
                switch name {
                case "object": kind == .object
                case "array": kind == .array
                case "string": kind == .string
                case "number": kind == .number
                case "integer": Self.isInteger(value)
                case "boolean": kind == .boolean
                case "null": kind == .null
                default: false
                }
            }
            if !matchesType { return false }
        }

        switch kind {
        case .object:
            let object = value as! [String: Any]
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil { return false }
            for (key, member) in object {
                let memberSchema = properties[key] ?? schema["additionalProperties"] ?? true
                if !validates(member, against: memberSchema) { return false }
            }
        case .array:
            let elements = value as! [Any]
            if let minimum = schema["minItems"] as? Int, elements.count < minimum { return false }
            if let maximum = schema["maxItems"] as? Int, elements.count > maximum { return false }
            if let items = schema["items"], !elements.allSatisfy({ validates($0, against: items) }) { return false }
        case .string:
            // JSON Schema counts string length in code points.
            let length = (value as! String).unicodeScalars.count
            if let minimum = schema["minLength"] as? Int, length < minimum { return false }
            if let maximum = schema["maxLength"] as? Int, length > maximum { return false }
        case .number, .boolean, .null:
            break
        }
        return true
    }
}
