import SequiturCore

/// Forbids a fixed set of tokens at every step (transformers' `SuppressTokensLogitsProcessor`).
public struct SuppressTokensProcessor: TokenBanningProcessor {
    public static let registryName = "suppress-tokens"
    static let summary = "forbids a set of tokens at every step (transformers' suppress_tokens)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("tokens", .integerList, default: .array([]), help: "token ids never to generate"),
    ]

    public let tokens: Set<TokenID>

    public init(tokens: Set<TokenID>) { self.tokens = tokens }

    public init(configuration: ProcessorConfiguration) throws {
        var tokens = Set<TokenID>()
        for id in try configuration.integers("tokens") {
            guard let t = TokenID(exactly: id) else {
                throw DecodingError.invalidParameter(name: "tokens", message: "\(id) is not a token id")
            }
            tokens.insert(t)
        }
        self.init(tokens: tokens)
    }

    public var referencedTokens: [TokenID] { Array(tokens) }

    public func bannedTokens(history: [TokenID]) -> Set<TokenID> { tokens }
}
