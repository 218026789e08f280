/// When decoding stops, whichever comes first.
public struct StopConditions: Sendable, Hashable, Codable {
    /// At most this many new tokens.
    public var maxNewTokens: Int
    /// Stop when an end token (the vocabulary's `endTokens`, plus `extraEndTokens`) is produced.
    public var stopOnEndToken: Bool
    /// More token ids that end a sequence.
    public var extraEndTokens: [TokenID]
    /// Stop once the generated text contains any of these, matched on decoded text across token boundaries.
    public var stopStrings: [String]

    public init(maxNewTokens: Int = 64, stopOnEndToken: Bool = true, extraEndTokens: [TokenID] = [],
                stopStrings: [String] = []) {
        self.maxNewTokens = maxNewTokens
        self.stopOnEndToken = stopOnEndToken
        self.extraEndTokens = extraEndTokens
        self.stopStrings = stopStrings
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case maxNewTokens, stopOnEndToken, extraEndTokens, stopStrings }

    /// The field names a configuration file may use, for unknown-key errors.
    public static let fieldNames: [String] = CodingKeys.allCases.map(\.rawValue)

    public init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = StopConditions()
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens) ?? d.maxNewTokens
        stopOnEndToken = try c.decodeIfPresent(Bool.self, forKey: .stopOnEndToken) ?? d.stopOnEndToken
        extraEndTokens = try c.decodeIfPresent([TokenID].self, forKey: .extraEndTokens) ?? d.extraEndTokens
        stopStrings = try c.decodeIfPresent([String].self, forKey: .stopStrings) ?? d.stopStrings
    }

    /// The set of tokens that end a sequence for `vocabulary`.
    public func endTokens(for vocabulary: any Vocabulary) -> Set<TokenID> {
        stopOnEndToken ? vocabulary.endTokens.union(extraEndTokens) : []
    }
}
