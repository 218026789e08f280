import SequiturCore

/// A small language model whose next-token distribution is a fixed pseudo-random function of the whole prefix
/// and a seed: the prefix is hashed with the seed, the hash drives a generator that draws one logit per token,
/// and the row is their log-softmax. The same seed and prefix give the same row on every run, in any batch.
///
/// Vocabularies are tiny (at most 12 tokens: "a", "b", … and `<eos>` last), so tests can enumerate every
/// sequence of a few tokens and check a decoder against brute force:
///
/// ```swift
/// let m = RandomLanguageModel(seed: 7, vocabularySize: 6)
/// let r = try m.extend([ExtensionRequest(state: m.makeState(), tokens: [0, 1], lastQuery: .full)])[0]
/// r.last!.fullRow                                // six normalised log-probs
/// ```
public final class RandomLanguageModel: LanguageModel {
    /// The largest vocabulary: enough for brute-force tests to stay small.
    public static let maxVocabularySize = 12

    public let seed: UInt64
    public let toyVocabulary: ToyVocabulary
    public var vocabulary: any Vocabulary { toyVocabulary }
    public let contextLength: Int
    /// How peaked the rows are: logits are drawn uniformly from `[-spread, spread]`.
    public let spread: Float
    public var processedTokenCount: Int { engine.processedTokenCount }
    /// Every request each `extend` call received, in order (one inner array per call).
    public var extensionLog: [[ToyExtensionRecord]] { engine.log }
    /// The end token: the last id.
    public var endToken: TokenID { TokenID(toyVocabulary.count - 1) }

    private var engine: PrefixFunctionEngine!

    /// - Parameters:
    ///   - vocabularySize: 2 ... 12 tokens, the last being `<eos>`.
    ///   - spread: logits are uniform in `[-spread, spread]` (larger makes rows more peaked).
    public init(seed: UInt64, vocabularySize: Int = 8, contextLength: Int = 64, spread: Float = 3) {
        precondition((2...Self.maxVocabularySize).contains(vocabularySize),
                     "RandomLanguageModel vocabularySize must be in 2...\(Self.maxVocabularySize)")
        self.seed = seed
        self.contextLength = contextLength
        self.spread = spread
        let letters = "abcdefghijklmnopqrstuvwxyz".map { String($0) }
        let pieces = Array(letters.prefix(vocabularySize - 1)) + ["<eos>"]
        self.toyVocabulary = ToyVocabulary(pieces: pieces, endTokens: [TokenID(vocabularySize - 1)])
        self.engine = PrefixFunctionEngine(owner: self)
    }

    public func makeState() -> SequenceState { engine.makeState() }

    public func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        try engine.extend(requests, vocabularySize: toyVocabulary.count, contextLength: contextLength) {
            logProbs(after: $0)
        }
    }

    /// The normalised next-token log-probs after `prefix`, as `extend` reports them.
    public func logProbs(after prefix: [TokenID]) -> [Float] {
        // FNV-1a over the prefix, then a SplitMix64 stream from the hash: every token of the prefix matters.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for t in prefix {
            h ^= UInt64(UInt32(bitPattern: t))
            h = h &* 0x0000_0100_0000_01b3
        }
        var random = SplitMix64(seed: h)
        return LogProbMath.logSoftmax(random.signedUnits(toyVocabulary.count, scale: spread))
    }

    /// `log Pr(continuation | prefix)` by the chain rule, straight from `logProbs(after:)` (for brute force).
    public func logProb(of continuation: [TokenID], after prefix: [TokenID]) -> Double {
        var total = 0.0
        var context = prefix
        for t in continuation {
            total += Double(logProbs(after: context)[Int(t)])
            context.append(t)
        }
        return total
    }
}
