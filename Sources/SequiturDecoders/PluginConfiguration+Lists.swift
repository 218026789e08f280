import SequiturCore

/// Typed reads of the list and mapping kinds of parameters (`integer`, `number` and the rest are in
/// `DecoderRegistry`), for processor factories. Each throws a `ConfigurationError` naming `parameters.<name>`
/// when the value is of the wrong kind; a registry's `make` has already checked them, so inside a factory they
/// do not fail.
extension PluginConfiguration {
    public func integers(_ name: String) throws -> [Int] {
        guard case let .array(items) = parameters[name] ?? .null else {
            throw ConfigurationError.typeMismatch(path: "parameters.\(name)", expected: "a list of integers",
                                                  got: (parameters[name] ?? .null).description)
        }
        return try items.enumerated().map { i, v in
            guard case let .int(n) = v else {
                throw ConfigurationError.typeMismatch(path: "parameters.\(name)[\(i)]", expected: "an integer", got: v.description)
            }
            return n
        }
    }

    /// A list of integer lists (`.integerLists` parameters).
    public func integerLists(_ name: String) throws -> [[Int]] {
        guard case let .array(lists) = parameters[name] ?? .null else {
            throw ConfigurationError.typeMismatch(path: "parameters.\(name)", expected: "a list of lists of integers",
                                                  got: (parameters[name] ?? .null).description)
        }
        return try lists.map { try ProcessorConfiguration(name: self.name, parameters: ["list": $0]).integers("list") }
    }

    /// `(tokens, bias)` pairs (`.sequenceBiases` parameters).
    public func sequenceBiases(_ name: String) throws -> [(tokens: [Int], bias: Double)] {
        guard case let .array(entries) = parameters[name] ?? .null else {
            throw ConfigurationError.typeMismatch(path: "parameters.\(name)", expected: "a list of {tokens, bias} mappings",
                                                  got: (parameters[name] ?? .null).description)
        }
        return try entries.enumerated().map { i, entry in
            guard case let .object(fields) = entry else {
                throw ConfigurationError.typeMismatch(path: "parameters.\(name)[\(i)]", expected: "a mapping {tokens, bias}",
                                                      got: entry.description)
            }
            let one = ProcessorConfiguration(name: self.name, parameters: fields)
            return (try one.integers("tokens"), try one.number("bias"))
        }
    }

    /// A mapping from integer keys to numbers (`.integerToNumber` parameters).
    public func integerToNumber(_ name: String) throws -> [Int: Double] {
        guard case let .object(entries) = parameters[name] ?? .null else {
            throw ConfigurationError.typeMismatch(path: "parameters.\(name)", expected: "a mapping from integers to numbers",
                                                  got: (parameters[name] ?? .null).description)
        }
        var result: [Int: Double] = [:]
        for (key, value) in entries {
            guard let id = Int(key) else {
                throw ConfigurationError.typeMismatch(path: "parameters.\(name).\(key)", expected: "an integer key", got: key)
            }
            result[id] = try ProcessorConfiguration(name: self.name, parameters: ["value": value]).number("value")
        }
        return result
    }
}
