/// A decoder or logit-processor parameter as `sequitur decoders` / `sequitur processors` list it and as configurations are checked against it.
public struct ParameterSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case integer
        case number
        case boolean
        case string
        /// One of the listed strings (or booleans written as strings, for `earlyStopping: true|false|never`).
        case choice([String])
        case integerList
        /// A list of lists of integers (banned token sequences).
        case integerLists
        /// A mapping from integers (written as keys, `"50256": -100`) to numbers (logit bias).
        case integerToNumber
        /// A list of `{tokens: [integers], bias: number}` mappings (biased token sequences).
        case sequenceBiases

        public var description: String {
            switch self {
            case .integer: return "integer"
            case .number: return "number"
            case .boolean: return "boolean"
            case .string: return "string"
            case let .choice(options): return options.joined(separator: "|")
            case .integerList: return "list of integers"
            case .integerLists: return "lists of integers"
            case .integerToNumber: return "integer → number"
            case .sequenceBiases: return "list of {tokens, bias}"
            }
        }
    }

    public var name: String
    public var kind: Kind
    public var defaultValue: ConfigValue
    public var help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: ConfigValue, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// Checks `value` against the kind and returns it normalised (an integer given where a number is expected
    /// becomes a double; `true` given for a choice becomes `"true"`), or throws an error naming `path`.
    public func validate(_ value: ConfigValue, path: String) throws -> ConfigValue {
        func fail(_ expected: String) -> ConfigurationError {
            .typeMismatch(path: path, expected: expected, got: value.description)
        }
        switch (kind, value) {
        case (.integer, .int): return value
        case (.integer, let .double(d)) where d.rounded() == d && abs(d) < 1e15: return .int(Int(d))
        case (.integer, _): throw fail("an integer")
        case (.number, .double): return value
        case (.number, let .int(i)): return .double(Double(i))
        case (.number, _): throw fail("a number")
        case (.boolean, .bool): return value
        case (.boolean, _): throw fail("a boolean")
        case (.string, .string): return value
        case (.string, _): throw fail("a string")
        case let (.choice(options), .string(s)):
            guard options.contains(s) else { throw fail("one of " + options.joined(separator: ", ")) }
            return value
        case let (.choice(options), .bool(b)):
            guard options.contains(String(b)) else { throw fail("one of " + options.joined(separator: ", ")) }
            return .string(String(b))
        case let (.choice(options), _): throw fail("one of " + options.joined(separator: ", "))
        case let (.integerList, .array(items)):
            guard items.allSatisfy({ if case .int = $0 { return true } else { return false } }) else {
                throw fail("a list of integers")
            }
            return value
        case (.integerList, _): throw fail("a list of integers")
        case let (.integerLists, .array(lists)):
            for (i, list) in lists.enumerated() {
                _ = try ParameterSpec(name, .integerList, default: .null, help: "").validate(list, path: "\(path)[\(i)]")
            }
            return value
        case (.integerLists, _): throw fail("a list of lists of integers")
        case let (.integerToNumber, .object(entries)):
            var normalised: [String: ConfigValue] = [:]
            for key in entries.keys.sorted() {
                guard let id = Int(key) else {
                    throw ConfigurationError.typeMismatch(path: "\(path).\(key)", expected: "an integer key", got: "\"\(key)\"")
                }
                normalised[String(id)] = try ParameterSpec(name, .number, default: .null, help: "")
                    .validate(entries[key]!, path: "\(path).\(key)")
            }
            return .object(normalised)
        case (.integerToNumber, _): throw fail("a mapping from integers to numbers")
        case let (.sequenceBiases, .array(entries)):
            return .array(try entries.enumerated().map { i, entry in
                let at = "\(path)[\(i)]"
                guard case let .object(fields) = entry else {
                    throw ConfigurationError.typeMismatch(path: at, expected: "a mapping {tokens, bias}", got: entry.description)
                }
                if let extra = fields.keys.sorted().first(where: { $0 != "tokens" && $0 != "bias" }) {
                    throw ConfigurationError.unknownKey(path: at, key: extra, valid: ["tokens", "bias"])
                }
                guard let tokens = fields["tokens"], let bias = fields["bias"] else {
                    throw ConfigurationError.invalidValue(path: at, message: "needs both tokens and bias")
                }
                return .object([
                    "tokens": try ParameterSpec(name, .integerList, default: .null, help: "").validate(tokens, path: "\(at).tokens"),
                    "bias": try ParameterSpec(name, .number, default: .null, help: "").validate(bias, path: "\(at).bias"),
                ])
            })
        case (.sequenceBiases, _): throw fail("a list of {tokens, bias} mappings")
        }
    }
}

extension ParameterSpec {
    /// `parameters` with each one validated against `specs` and every missing one set to its default; an
    /// unknown key or a bad value throws an error naming `path` (`decoder.parameters`, `processors[1].parameters`).
    public static func complete(_ parameters: [String: ConfigValue], against specs: [ParameterSpec],
                                path: String) throws -> [String: ConfigValue] {
        let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        var completed: [String: ConfigValue] = [:]
        for key in parameters.keys.sorted() {
            guard let spec = byName[key] else {
                throw ConfigurationError.unknownKey(path: path, key: key, valid: specs.map(\.name))
            }
            completed[key] = try spec.validate(parameters[key]!, path: "\(path).\(key)")
        }
        for spec in specs where completed[spec.name] == nil { completed[spec.name] = spec.defaultValue }
        return completed
    }
}
