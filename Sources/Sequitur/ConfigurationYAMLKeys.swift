import SequiturCore
import Yams

/// A check of the composed YAML tree before Yams turns it into Swift values: every mapping key must be a scalar.
/// Yams reads each key as a string with a force unwrap (`Constructor`'s mapping and set construction), so a key
/// that is itself a list or a mapping (`{[a]: 1}`, `? {a: 1}`) would crash the process instead of failing to
/// load. A configuration's keys are field names, so nothing valid is refused.
enum ConfigurationYAMLKeys {
    static func check(_ node: Yams.Node) throws {
        switch node {
        case .scalar:
            return
        case let .sequence(sequence):
            for element in sequence { try check(element) }
        case let .mapping(mapping):
            for (key, value) in mapping {
                guard case .scalar = key else {
                    let place = key.mark.map { "line \($0.line), column \($0.column): " } ?? ""
                    throw ConfigurationError.invalidValue(
                        path: "(document)", message: "\(place)a key must be a name, not a list or a mapping")
                }
                try check(value)
            }
        }
    }
}
