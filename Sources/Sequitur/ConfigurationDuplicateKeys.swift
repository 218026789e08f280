import SequiturCore
import Yams

/// A key written twice in one mapping of a configuration: the YAML decoder would keep the last silently, so
/// the run would use a value other than the one the reader of the file sees first.
enum ConfigurationDuplicateKeys {
    /// Throws for the first key that repeats in any mapping of the document `root`, naming its path and both
    /// lines.
    static func check(_ root: Node) throws {
        try check(root, path: "")
    }

    private static func check(_ node: Node, path: String) throws {
        switch node {
        case let .mapping(mapping):
            var firstLine: [String: Int] = [:]
            for (key, value) in mapping {
                let name = key.string ?? "\(key)"
                let line = key.mark?.line ?? 0
                let keyPath = path.isEmpty ? name : "\(path).\(name)"
                if let first = firstLine[name] {
                    throw ConfigurationError.invalidValue(
                        path: keyPath, message: "given twice, on line \(first) and on line \(line); keep one")
                }
                firstLine[name] = line
                try check(value, path: keyPath)
            }
        case let .sequence(sequence):
            for (i, element) in sequence.enumerated() { try check(element, path: "\(path)[\(i)]") }
        default:
            return
        }
    }
}
