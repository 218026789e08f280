/// A value for a template variable beyond the conversation: a string (a date some templates print) or a
/// boolean (Qwen 3's `enable_thinking`, which its template tests with `is false`, so the string "false"
/// would not do).
public enum ChatTemplateVariable: Sendable, Equatable, Decodable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case boolean(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }

    /// A JSON string or boolean.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .boolean(flag); return }
        self = .string(try container.decode(String.self))
    }

    var templateValue: TemplateValue {
        switch self {
        case let .string(text): return .string(text)
        case let .boolean(flag): return .boolean(flag)
        }
    }
}
