import SequiturCore

/// transformers' `MinNewTokensLengthLogitsProcessor`: the end tokens are forbidden until `minNewTokens` tokens
/// have been generated. Which tokens end a hypothesis comes from the decode (`ProcessorStart.endTokens`) unless
/// `endTokens` is given. The count of generated tokens is this processor's state, kept per branch.
public struct MinNewTokensProcessor: TokenBanningProcessor {
    public static let registryName = "min-new-tokens"
    static let summary = "forbids the end tokens until a number of tokens has been generated (transformers' min_new_tokens)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("minNewTokens", .integer, default: 0, help: "tokens to generate before an end token is allowed"),
        ParameterSpec("endTokens", .integerList, default: .array([]),
                      help: "the tokens to forbid (empty: the decode's end tokens)"),
    ]

    public let minNewTokens: Int
    public let endTokens: Set<TokenID>
    /// Tokens this branch generated so far, and the end tokens in force.
    private var generated = 0
    private var banned: Set<TokenID>

    public init(minNewTokens: Int, endTokens: Set<TokenID> = []) throws {
        guard minNewTokens >= 0 else {
            throw DecodingError.invalidParameter(name: "minNewTokens", message: "must be ≥ 0, got \(minNewTokens)")
        }
        self.minNewTokens = minNewTokens
        self.endTokens = endTokens
        self.banned = endTokens
    }

    public init(configuration: ProcessorConfiguration) throws {
        let ids = try configuration.integers("endTokens")
        var tokens = Set<TokenID>()
        for id in ids {
            guard let t = TokenID(exactly: id) else {
                throw DecodingError.invalidParameter(name: "endTokens", message: "\(id) is not a token id")
            }
            tokens.insert(t)
        }
        try self.init(minNewTokens: try configuration.integer("minNewTokens"), endTokens: tokens)
    }

    public var referencedTokens: [TokenID] { Array(endTokens) }

    public mutating func start(_ context: ProcessorStart) {
        generated = 0
        banned = endTokens.isEmpty ? context.endTokens : endTokens
    }

    public mutating func accept(_ token: TokenID) { generated += 1 }

    public func bannedTokens(history: [TokenID]) -> Set<TokenID> {
        generated < minNewTokens ? banned : []
    }
}
