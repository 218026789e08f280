/// A grammar that cannot be used, with where the problem is: line and column of the GBNF text (1-based, columns
/// counted in Unicode scalars), and what was wrong there.
public struct GrammarError: Error, CustomStringConvertible, Equatable, Sendable {
    public let line: Int
    public let column: Int
    public let message: String
    /// The file the grammar came from, when it came from one (set by `in(file:)`).
    public let file: String?

    public init(line: Int, column: Int, message: String, file: String? = nil) {
        self.line = line
        self.column = column
        self.message = message
        self.file = file
    }

    /// The same error, attributed to `file`.
    public func `in`(file: String) -> GrammarError {
        GrammarError(line: line, column: column, message: message, file: file)
    }

    public var description: String {
        "\(file.map { "\($0): " } ?? "")grammar line \(line), column \(column): \(message)"
    }
}
