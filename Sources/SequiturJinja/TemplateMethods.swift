/// The Python methods templates call on values (`content.strip()`, `message.get('tool_calls')`, ...): a
/// small, explicit list. Any other method name is undefined, and calling it is reported as unsupported.
enum TemplateMethods {
    static func method(_ name: String, of value: TemplateValue) -> TemplateValue? {
        switch value {
        case let .string(s): return stringMethod(name, s)
        case let .dictionary(d): return dictionaryMethod(name, d)
        default: return nil
        }
    }

    private static func function(_ name: String,
                                 _ body: @escaping ([TemplateValue], [(name: String, value: TemplateValue)]) throws -> TemplateValue)
        -> TemplateValue
    {
        .function(TemplateFunction(name: name, call: body))
    }

    private static func stringArgument(_ arguments: [TemplateValue], _ index: Int, _ method: String) throws -> String? {
        guard index < arguments.count else { return nil }
        if arguments[index].isNone { return nil }
        guard case let .string(s) = arguments[index] else {
            throw TemplateValueError("\(method)() argument \(index + 1) must be str, not \(arguments[index].typeName)")
        }
        return s
    }

    private static func stringMethod(_ name: String, _ s: String) -> TemplateValue? {
        switch name {
        case "strip", "lstrip", "rstrip":
            return function(name) { arguments, _ in
                let characters = try stringArgument(arguments, 0, name)
                return .string(PythonString.strip(s, characters: characters, leading: name != "rstrip",
                                                  trailing: name != "lstrip"))
            }
        case "upper": return function(name) { _, _ in .string(s.uppercased()) }
        case "lower": return function(name) { _, _ in .string(s.lowercased()) }
        case "capitalize": return function(name) { _, _ in .string(PythonString.capitalize(s)) }
        case "startswith", "endswith":
            return function(name) { arguments, _ in
                guard let affix = try stringArgument(arguments, 0, name) else {
                    throw TemplateValueError("\(name)() takes a string argument")
                }
                return .boolean(name == "startswith" ? PythonString.hasPrefix(s, affix) : PythonString.hasSuffix(s, affix))
            }
        case "replace":
            return function(name) { arguments, _ in
                guard let old = try stringArgument(arguments, 0, name), let new = try stringArgument(arguments, 1, name)
                else { throw TemplateValueError("replace() takes two string arguments") }
                return .string(PythonString.replace(s, old, new))
            }
        case "split":
            return function(name) { arguments, _ in
                guard let separator = try stringArgument(arguments, 0, name) else {
                    return .list(PythonString.splitWhitespace(s).map { .string($0) })
                }
                guard !separator.isEmpty else { throw TemplateValueError("empty separator") }
                return .list(PythonString.split(s, separator: separator).map { .string($0) })
            }
        default: return nil
        }
    }

    private static func dictionaryMethod(_ name: String, _ d: TemplateDictionary) -> TemplateValue? {
        switch name {
        case "get":
            return function(name) { arguments, _ in
                guard case let .string(key)? = arguments.first else { return arguments.count > 1 ? arguments[1] : .none }
                return d[key] ?? (arguments.count > 1 ? arguments[1] : .none)
            }
        case "keys": return function(name) { _, _ in .list(d.entries.map { .string($0.key) }) }
        case "values": return function(name) { _, _ in .list(d.entries.map(\.value)) }
        case "items": return function(name) { _, _ in .list(d.entries.map { .list([.string($0.key), $0.value]) }) }
        default: return nil
        }
    }
}
