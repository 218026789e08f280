/// A value for a template variable beyond the conversation: a string (a date some templates print) or a
/// boolean (Qwen 3's `enable_thinking`, which its template tests with `is false`, so the string "false"
/// would not do).
public enum ChatTemplateVariable: Sendable, Equatable, Codable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case boolean(Bool)

    /// The variables a rendering sets itself, which an extra variable may not stand for.
    public static let reservedNames: Set<String> = ["messages", "add_generation_prompt", "bos_token", "eos_token"]

    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }

    /// A JSON string or boolean.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .boolean(flag); return }
        self = .string(try container.decode(String.self))
    }

    /// A JSON string or boolean, as decoded.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(text): try container.encode(text)
        case let .boolean(flag): try container.encode(flag)
        }
    }

    var templateValue: TemplateValue {
        switch self {
        case let .string(text): return .string(text)
        case let .boolean(flag): return .boolean(flag)
        }
    }
}
