import SequiturCore

/// transformers' `NoBadWordsLogitsProcessor`: token sequences that may not appear. A one-token sequence is
/// banned everywhere; a longer one bans its last token whenever prompt + output end with the rest of it.
public struct BadWordsProcessor: TokenBanningProcessor {
    public static let registryName = "bad-words"
    static let summary = "forbids token sequences (transformers' bad_words_ids)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("sequences", .integerLists, default: .array([]), help: "token-id sequences that may not be generated"),
    ]

    public let sequences: [[TokenID]]

    public init(sequences: [[TokenID]]) throws {
        if let i = sequences.firstIndex(where: \.isEmpty) {
            throw DecodingError.invalidParameter(name: "sequences[\(i)]", message: "a banned sequence needs at least one token")
        }
        self.sequences = sequences
    }

    public init(configuration: ProcessorConfiguration) throws {
        let lists = try configuration.integerLists("sequences")
        var sequences: [[TokenID]] = []
        for (i, list) in lists.enumerated() {
            sequences.append(try list.map {
                guard let t = TokenID(exactly: $0) else {
                    throw DecodingError.invalidParameter(name: "sequences[\(i)]", message: "\($0) is not a token id")
                }
                return t
            })
        }
        try self.init(sequences: sequences)
    }

    public var referencedTokens: [TokenID] { Array(sequences.joined()) }

    public func bannedTokens(history: [TokenID]) -> Set<TokenID> {
        var banned = Set<TokenID>()
        for s in sequences where history.suffix(s.count - 1).elementsEqual(s.dropLast()) && history.count >= s.count - 1 {
            banned.insert(s.last!)
        }
        return banned
    }
}
