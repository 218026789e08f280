import Foundation
import Sequitur

/// The fields of one JSON object in a request body, read by name and type, with every error naming the field's
/// path (`messages[2].content`). `finish()` refuses any field nobody read: a misspelt `max_token` is an error,
/// never a silently ignored default.
struct RequestFields {
    let path: String
    private let object: [String: ConfigValue]
    private var read: Set<String> = []

    init(_ object: [String: ConfigValue], path: String = "") {
        self.object = object
        self.path = path
    }

    /// The body of a request, which must be one JSON object.
    static func body(_ data: Data) throws -> RequestFields {
        let value: ConfigValue
        do {
            value = try JSONDecoder().decode(ConfigValue.self, from: data)
        } catch {
            throw APIError.invalid("the request body is not valid JSON: \(Self.describe(error))", param: nil, code: "invalid_json")
        }
        guard case let .object(object) = value else {
            throw APIError.invalid("the request body must be a JSON object, not \(value.kindName)", param: nil, code: "invalid_json")
        }
        return RequestFields(object)
    }

    /// The object's keys.
    var knownKeys: [String] { Array(object.keys) }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value of `key`; JSON null counts as absent, as OpenAI's API treats it.
    mutating func value(_ key: String) -> ConfigValue? {
        read.insert(key)
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    mutating func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard case let .string(s) = v else { throw APIError.wrongType(fieldPath(key), expected: "a string", got: v) }
        return s
    }

    mutating func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard case let .bool(b) = v else { throw APIError.wrongType(fieldPath(key), expected: "a boolean", got: v) }
        return b
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = value(key) else { return nil }
        let i: Int
        switch v {
        case let .int(x): i = x
        case let .double(d) where d.rounded() == d && abs(d) < 1e15: i = Int(d)
        default: throw APIError.wrongType(fieldPath(key), expected: "an integer", got: v)
        }
        guard range.contains(i) else {
            throw APIError.invalid("'\(fieldPath(key))' is \(i); it must be in \(range.lowerBound)...\(range.upperBound)", param: fieldPath(key))
        }
        return i
    }

    mutating func number(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let v = value(key) else { return nil }
        let d: Double
        switch v {
        case let .int(x): d = Double(x)
        case let .double(x): d = x
        default: throw APIError.wrongType(fieldPath(key), expected: "a number", got: v)
        }
        guard d.isFinite, range.contains(d) else {
            throw APIError.invalid("'\(fieldPath(key))' is \(d); it must be in \(range.lowerBound)...\(range.upperBound)", param: fieldPath(key))
        }
        return d
    }

    mutating func object(_ key: String) throws -> RequestFields? {
        guard let v = value(key) else { return nil }
        guard case let .object(o) = v else { throw APIError.wrongType(fieldPath(key), expected: "an object", got: v) }
        return RequestFields(o, path: fieldPath(key))
    }

    /// `chat_template_kwargs` (vLLM's field): the chat template's keyword arguments, each a string or a
    /// boolean (`{"enable_thinking": false}` turns Qwen 3's thinking off).
    mutating func chatTemplateVariables(_ key: String = "chat_template_kwargs") throws -> [String: ChatTemplateVariable] {
        guard var fields = try object(key) else { return [:] }
        var result: [String: ChatTemplateVariable] = [:]
        for name in fields.knownKeys.sorted() {
            let path = fields.fieldPath(name)
            guard !ChatTemplateVariable.reservedNames.contains(name) else {
                throw APIError.invalid("'\(path)': '\(name)' is set by the server itself", param: path)
            }
            switch fields.value(name) {
            case let .string(s)?: result[name] = .string(s)
            case let .bool(b)?: result[name] = .boolean(b)
            case nil: break
            case let v?: throw APIError.wrongType(path, expected: "a string or a boolean", got: v)
            }
        }
        return result
    }

    mutating func array(_ key: String) throws -> [ConfigValue]? {
        guard let v = value(key) else { return nil }
        guard case let .array(a) = v else { throw APIError.wrongType(fieldPath(key), expected: "a list", got: v) }
        return a
    }

    /// `stop`: a string or a list of at most 16 strings (OpenAI allows 4; lm-evaluation-harness adds the end
    /// token's text to a task's list, which can make 6).
    mutating func stopStrings(_ key: String = "stop") throws -> [String] {
        guard let v = value(key) else { return [] }
        switch v {
        case let .string(s): return s.isEmpty ? [] : [s]
        case let .array(items):
            guard items.count <= 16 else {
                throw APIError.invalid("'\(fieldPath(key))' has \(items.count) strings; at most 16 are allowed", param: fieldPath(key))
            }
            return try items.enumerated().map { i, item in
                guard case let .string(s) = item, !s.isEmpty else {
                    throw APIError.invalid("'\(fieldPath(key))[\(i)]' must be a non-empty string, not \(item)", param: "\(fieldPath(key))[\(i)]")
                }
                return s
            }
        default: throw APIError.wrongType(fieldPath(key), expected: "a string or a list of strings", got: v)
        }
    }

    /// Refuses the fields no one read.
    func finish() throws {
        if let unknown = object.keys.sorted().first(where: { !read.contains($0) }) {
            throw APIError.unknownField(fieldPath(unknown))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if case let Swift.DecodingError.dataCorrupted(context) = error {
            return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// A token-id list from JSON: `[1, 2, 3]`, each an integer.
func tokenIDs(_ items: [ConfigValue], path: String) throws -> [TokenID] {
    try items.enumerated().map { i, item in
        guard case let .int(x) = item, x >= Int(Int32.min), x <= Int(Int32.max) else {
            throw APIError.wrongType("\(path)[\(i)]", expected: "a token id (an integer)", got: item)
        }
        return TokenID(x)
    }
}
