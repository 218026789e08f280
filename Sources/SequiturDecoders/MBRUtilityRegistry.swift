import SequiturCore

/// Minimum-Bayes-risk utilities by name: what the "mbr" decoder's `utility` parameter looks up. A value type
/// like the other registries, so registering into a copy never changes `standard`.
public struct MBRUtilityRegistry: Sendable {
    /// A registered utility (a wrapper, because `any MBRUtility` cannot itself be a `NamedPlugin`).
    public struct Entry: NamedPlugin {
        public let utility: any MBRUtility
        public var name: String { utility.name }
        public var summary: String { utility.summary }
    }

    private var entries = PluginRegistry<Entry>()

    /// An empty registry.
    public init() {}

    /// Exact match, token F1, chrF and sentence BLEU.
    public static var standard: MBRUtilityRegistry {
        var r = MBRUtilityRegistry()
        r.register(ExactMatchUtility())
        r.register(TokenF1Utility())
        r.register(ChrFUtility())
        r.register(SentenceBLEUUtility())
        return r
    }

    /// Adds (or replaces) the utility called `utility.name`.
    public mutating func register(_ utility: any MBRUtility) { entries.register(Entry(utility: utility)) }

    /// Registered names, sorted.
    public var names: [String] { entries.names }

    /// The utility called `name`, or `DecodingError.invalidParameter` on `utility` listing the valid names.
    public func utility(named name: String) throws -> any MBRUtility {
        guard let e = entries[name] else {
            throw DecodingError.invalidParameter(
                name: "utility", message: "unknown utility '\(name)'; valid: \(names.joined(separator: ", "))")
        }
        return e.utility
    }
}
