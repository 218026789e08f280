import SequiturCore

/// Forbids any n-gram of `size` tokens from occurring twice in prompt + output, as transformers'
/// `NoRepeatNGramLogitsProcessor` does: after the last n−1 tokens, every token that followed them before is
/// banned. `size` 1 bans every token already seen.
public struct NoRepeatNGramProcessor: TokenBanningProcessor {
    public static let registryName = "no-repeat-ngram"
    static let summary = "forbids any n-gram from occurring twice in prompt + output (transformers' no_repeat_ngram_size)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("size", .integer, default: 3, help: "the n-gram length n ≥ 1"),
    ]

    public let size: Int

    public init(size: Int) throws {
        guard size >= 1 else {
            throw DecodingError.invalidParameter(name: "size", message: "must be at least 1, got \(size)")
        }
        self.size = size
    }

    public init(configuration: ProcessorConfiguration) throws {
        try self.init(size: try configuration.integer("size"))
    }

    public func bannedTokens(history: [TokenID]) -> Set<TokenID> {
        let n = size
        if n == 1 { return Set(history) }
        guard history.count >= n else { return [] }
        let tail = history.suffix(n - 1)
        var banned = Set<TokenID>()
        for start in 0...(history.count - n) where history[start..<(start + n - 1)].elementsEqual(tail) {
            banned.insert(history[start + n - 1])
        }
        return banned
    }
}
