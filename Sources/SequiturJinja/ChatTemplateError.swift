/// A place in a chat template's source: 1-based line and column (columns count Unicode scalars).
public struct TemplateLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "line \(line), column \(column)" }
}

/// Why a chat template could not be parsed or rendered. Every case names where in the template it happened.
public enum ChatTemplateError: Error, CustomStringConvertible, Equatable {
    /// The template uses Jinja that this interpreter does not implement (a tag, filter, test, operator, method).
    case unsupported(construct: String, at: TemplateLocation)
    /// The template is not valid Jinja (unclosed block, unexpected token, unterminated string, ...).
    case syntax(message: String, at: TemplateLocation)
    /// Evaluation failed: undefined variable used in arithmetic, wrong operand types, bad index, ...
    case evaluation(message: String, at: TemplateLocation)
    /// The template itself called `raise_exception(message)`, as templates do to reject a conversation.
    case raised(message: String, at: TemplateLocation)

    public var description: String {
        switch self {
        case let .unsupported(construct, at):
            return "chat template, \(at): unsupported Jinja construct: \(construct)"
        case let .syntax(message, at):
            return "chat template, \(at): syntax error: \(message)"
        case let .evaluation(message, at):
            return "chat template, \(at): \(message)"
        case let .raised(message, at):
            return "chat template rejected the conversation (raise_exception at \(at)): \(message)"
        }
    }
}
