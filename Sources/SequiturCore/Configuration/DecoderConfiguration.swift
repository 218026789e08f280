/// Which decoder to build, and its parameters as written in the configuration.
public struct DecoderConfiguration: Sendable, Hashable, Codable {
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
