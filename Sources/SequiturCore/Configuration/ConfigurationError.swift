/// A configuration mistake, located by its field path (`decoder.parameters.numBeams`) and, when it came from a
/// file, the file.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case typeMismatch(path: String, expected: String, got: String)
    case unknownKey(path: String, key: String, valid: [String])
    case unknownName(path: String, name: String, valid: [String])
    case invalidValue(path: String, message: String)
    case missing(path: String, hint: String)
    case unreadable(file: String, reason: String)
    indirect case inFile(file: String, ConfigurationError)

    public var description: String {
        switch self {
        case let .typeMismatch(path, expected, got):
            return "\(path): expected \(expected), got \(got)"
        case let .unknownKey(path, key, valid):
            return valid.isEmpty ? "\(path): unknown parameter '\(key)'; this decoder takes no parameters"
                : "\(path): unknown parameter '\(key)'; valid parameters: \(valid.joined(separator: ", "))"
        case let .unknownName(path, name, valid):
            return "\(path): unknown name '\(name)'; valid names: \(valid.joined(separator: ", "))"
        case let .invalidValue(path, message):
            return "\(path): \(message)"
        case let .missing(path, hint):
            return "\(path): missing. \(hint)"
        case let .unreadable(file, reason):
            return "\(file): \(reason)"
        case let .inFile(file, inner):
            return "\(file): \(inner.description)"
        }
    }
}

extension ConfigurationError {
    /// The field path the error is about (`stop.maxNewTokens`); nil for errors about a whole file.
    public var path: String? {
        switch self {
        case let .typeMismatch(path, _, _), let .unknownKey(path, _, _), let .unknownName(path, _, _),
             let .invalidValue(path, _), let .missing(path, _):
            return path
        case .unreadable, .inFile:
            return nil
        }
    }

    /// The same mistake reported at `place` instead of its path (the command-line flag that set the value,
    /// say); errors about a whole file stay as they are.
    public func at(_ place: String) -> ConfigurationError {
        switch self {
        case let .typeMismatch(_, expected, got): return .typeMismatch(path: place, expected: expected, got: got)
        case let .unknownKey(_, key, valid): return .unknownKey(path: place, key: key, valid: valid)
        case let .unknownName(_, name, valid): return .unknownName(path: place, name: name, valid: valid)
        case let .invalidValue(_, message): return .invalidValue(path: place, message: message)
        case let .missing(_, hint): return .missing(path: place, hint: hint)
        case .unreadable, .inFile: return self
        }
    }
}
