/// Which plugin to build (a decoder, a logit processor), and its parameters as written in the configuration.
public struct PluginConfiguration: Sendable, Hashable, Codable {
    public var name: String
    public var parameters: [String: ConfigValue]

    public init(name: String, parameters: [String: ConfigValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, parameters }

    /// The field names a configuration file may use, for unknown-key errors.
    public static let fieldNames: [String] = CodingKeys.allCases.map(\.rawValue)

    public init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        parameters = try c.decodeIfPresent([String: ConfigValue].self, forKey: .parameters) ?? [:]
    }
}

/// Which decoder to build, and its parameters as written in the configuration's `decoder:`.
public typealias DecoderConfiguration = PluginConfiguration

/// Which logit processor to build, and its parameters as written in one entry of the configuration's
/// `processors:` list.
public typealias ProcessorConfiguration = PluginConfiguration
