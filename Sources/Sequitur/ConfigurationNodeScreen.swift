import SequiturCore
import Yams

/// A pass over the composed YAML tree, before Yams turns it into Swift values, refusing the shapes on which
/// Yams traps (crashing the process) instead of failing to load. Both were found by the configuration fuzz
/// target (Fuzz/Regressions/fuzz-configuration/):
///
/// - a mapping key that is a list or a mapping (`{[a]: 1}`, `? {a: 1}`): Yams reads every key as a string with
///   a force unwrap. A configuration's keys are field names, so nothing valid is refused.
/// - a plain scalar with colons whose YAML 1.1 base-60 reading (`1:30` is 90) overflows an `Int`: Yams reads
///   every such scalar that is resolved or decoded as an integer (decoder parameters try an integer first) with
///   trapping arithmetic. Only a value of eleven or more numeric parts, or huge parts, is refused.
enum ConfigurationNodeScreen {
    static func check(_ node: Yams.Node) throws {
        switch node {
        case let .scalar(scalar):
            if baseSixtyReadingOverflows(scalar) {
                throw refusal(node, "\(scalar.string.prefix(40)) reads in YAML as a base-60 integer too large for 64 bits; quote it or write it another way")
            }
        case let .sequence(sequence):
            for element in sequence { try check(element) }
        case let .mapping(mapping):
            for (key, value) in mapping {
                guard case .scalar = key else { throw refusal(key, "a key must be a name, not a list or a mapping") }
                try check(key)
                try check(value)
            }
        }
    }

    private static func refusal(_ node: Yams.Node, _ message: String) -> ConfigurationError {
        let place = node.mark.map { "line \($0.line), column \($0.column): " } ?? ""
        return .invalidValue(path: "(document)", message: place + message)
    }

    /// Whether Yams' integer construction of `scalar` would overflow, following it step by step (Yams 5,
    /// `FixedWidthInteger._construct` and `String.sexagesimal`): plain scalars only, underscores dropped, a sign
    /// allowed, no radix prefix; then each part that reads as a decimal integer, last first, is added times a
    /// place value that is multiplied by 60 after every part, and the sum is multiplied by the sign.
    static func baseSixtyReadingOverflows(_ scalar: Yams.Node.Scalar) -> Bool {
        guard scalar.style == .any || scalar.style == .plain else { return false }
        let text = scalar.string.replacingOccurrences(of: "_", with: "")
        guard text.contains(":") else { return false }
        let negative = text.hasPrefix("-")
        let unsigned = text.dropFirst(negative || text.hasPrefix("+") ? 1 : 0)
        guard !unsigned.hasPrefix("0") else { return false }   // read in a radix (0x, 0b, 0o, 0), not base 60
        var place = 1, value = 0
        for part in unsigned.components(separatedBy: ":").compactMap({ Int($0, radix: 10) }).reversed() {
            let (term, termOverflows) = part.multipliedReportingOverflow(by: place)
            let (sum, sumOverflows) = value.addingReportingOverflow(term)
            let (nextPlace, placeOverflows) = place.multipliedReportingOverflow(by: 60)
            if termOverflows || sumOverflows || placeOverflows { return true }
            value = sum
            place = nextPlace
        }
        return negative && value == Int.min
    }
}
