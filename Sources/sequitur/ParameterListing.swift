import Sequitur

/// A plugin parameter as `sequitur decoders` and `sequitur processors` print it (and as their JSON holds it).
struct ParameterListing: Encodable {
    var name: String
    var type: String
    var `default`: ConfigValue
    var help: String

    init(_ spec: ParameterSpec) {
        name = spec.name
        type = spec.kind.description
        `default` = spec.defaultValue
        help = spec.help
    }

    /// Two lines per parameter: name, type and default, then its help.
    static func printAll(_ parameters: [ParameterListing]) {
        if parameters.isEmpty { print("    (no parameters)") }
        let width = max(18, parameters.map(\.name.count).max() ?? 0)
        for p in parameters {
            print("    \(p.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.type.padding(toLength: 20, withPad: " ", startingAt: 0))  default \(p.default)")
            print("    \(String(repeating: " ", count: width))  \(p.help)")
        }
    }
}
