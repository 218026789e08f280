import SequiturCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deterministic toy `LanguageModel` whose next-token distribution is a pseudo-random function of the whole
/// prefix: the prefix and a seed are hashed, the hash seeds one logit per vocabulary entry, and the row is
/// `log softmax` in float32 with the maximum subtracted.
///
/// It is written to be obviously correct rather than fast: every queried row is recomputed from the full token
/// list of its prefix (`logProbRow(after:)`, which tests call directly as a brute-force reference), so a
/// forked state, a cached prefill and a one-shot pass all give bitwise-identical numbers, and the results are
/// independent of the batch by construction.
///
/// ```swift
/// let model = PrefixHashLanguageModel(seed: 7)
/// let state = model.makeState()
/// let r = try model.extend([ExtensionRequest(state: state, tokens: [2, 3], lastQuery: .target(4))])[0]
/// r.last!.targetLogProbs[0] == model.logProbRow(after: [2, 3])[4]   // true
/// ```
///
/// With `logitLevels` set, logits are quantised to that many integer levels, so equal maxima are common and
/// the lowest-id tie-breaking of `argmax` and `topK` is exercised.
public final class PrefixHashLanguageModel: LanguageModel {
    public let vocabulary: any Vocabulary
    public let contextLength: Int
    public let seed: UInt64
    /// Number of distinct logit values (ties become common), or nil for continuous logits in [-4, 4).
    public let logitLevels: Int?
    public private(set) var processedTokenCount: Int = 0

    private let vocabularySize: Int

    /// - Parameters:
    ///   - vocabularySize: number of tokens (at least 3: BOS, EOS and one printable token).
    ///   - contextLength: the longest sequence `extend` accepts.
    ///   - seed: selects the pseudo-random distribution family.
    ///   - logitLevels: quantise logits to this many levels (at least 2) to create ties.
    public init(vocabularySize: Int = 50, contextLength: Int = 512, seed: UInt64 = 0, logitLevels: Int? = nil) {
        // Construction arguments come from test code, not from users: a wrong value is a bug in the test.
        precondition(vocabularySize >= 3, "PrefixHashLanguageModel needs at least 3 tokens, got \(vocabularySize)")
        precondition(contextLength >= 1, "PrefixHashLanguageModel needs a context length of at least 1")
        precondition(logitLevels.map { $0 >= 2 } ?? true, "logitLevels must be at least 2")
        self.vocabularySize = vocabularySize
        self.vocabulary = PrefixHashVocabulary(count: vocabularySize)
        self.contextLength = contextLength
        self.seed = seed
        self.logitLevels = logitLevels
    }

    public func makeState() -> SequenceState { PrefixHashState(owner: self, tokens: []) }

    /// The normalised next-token log-probs after `prefix`, computed from scratch: the reference every answer of
    /// `extend` is taken from.
    public func logProbRow(after prefix: [TokenID]) -> [Float] {
        var h = Self.mix(seed ^ 0x5EED_5EED_5EED_5EED)
        for t in prefix { h = Self.mix(h ^ UInt64(UInt32(bitPattern: t))) }
        var logits = [Float](repeating: 0, count: vocabularySize)
        for v in 0..<vocabularySize {
            let bits = Self.mix(h ^ (UInt64(v) &* 0x9E37_79B9_7F4A_7C15))
            let unit = Double(bits >> 11) / Double(1 << 53)        // uniform in [0, 1)
            if let levels = logitLevels {
                logits[v] = Float((unit * Double(levels)).rounded(.down))
            } else {
                logits[v] = Float(unit * 8 - 4)
            }
        }
        let m = logits.max()!
        var sum: Double = 0
        for x in logits { sum += Double(exp(x - m)) }
        let logSum = Float(log(sum))
        return logits.map { ($0 - m) - logSum }
    }

    public func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        // Validate the whole batch first, so a bad request leaves every state untouched.
        var seen = Set<ObjectIdentifier>()
        var states: [PrefixHashState] = []
        for (index, request) in requests.enumerated() {
            guard let state = request.state as? PrefixHashState, state.owner === self else {
                throw LanguageModelError.foreignState
            }
            guard seen.insert(ObjectIdentifier(state)).inserted else {
                throw LanguageModelError.duplicateState(index: index)
            }
            let length = state.tokens.count + request.tokens.count
            guard length <= contextLength else {
                throw LanguageModelError.contextOverflow(length: length, contextLength: contextLength)
            }
            for t in request.tokens { try checkToken(t) }
            for query in request.queries { for t in query?.targets ?? [] { try checkToken(t) } }
            states.append(state)
        }

        var results: [ExtensionResult] = []
        for (request, state) in zip(requests, states) {
            var answers: [PositionLogProbs?] = []
            for (token, query) in zip(request.tokens, request.queries) {
                state.tokens.append(token)
                answers.append(query.map { answer($0, row: logProbRow(after: state.tokens)) })
            }
            processedTokenCount += request.tokens.count
            results.append(ExtensionResult(answers: answers))
        }
        return results
    }

    private func checkToken(_ t: TokenID) throws {
        guard t >= 0, Int(t) < vocabularySize else {
            throw LanguageModelError.tokenOutOfRange(token: t, vocabularySize: vocabularySize)
        }
    }

    private func answer(_ query: PositionQuery, row: [Float]) -> PositionLogProbs {
        // Best first, lower id first among equals: the order argmax and topK are defined by.
        let ranked = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
        let best = ranked[0]
        return PositionLogProbs(
            argmax: TokenID(best),
            argmaxLogProb: row[best],
            targetLogProbs: query.targets.map { row[Int($0)] },
            topK: ranked.prefix(max(0, query.topK)).map { TokenLogProb(token: TokenID($0), logProb: row[$0]) },
            fullRow: query.fullRow ? row : []
        )
    }

    /// SplitMix64's finaliser: a cheap, well-mixed 64-bit hash step.
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A sequence in a `PrefixHashLanguageModel`: just its tokens (the model recomputes everything from them), so
/// `fork()` is a copy of the token list.
public final class PrefixHashState: SequenceState {
    /// Weak so a state outliving its model does not keep it alive; `extend` rejects states of other models.
    weak var owner: PrefixHashLanguageModel?
    public fileprivate(set) var tokens: [TokenID]

    init(owner: PrefixHashLanguageModel, tokens: [TokenID]) {
        self.owner = owner
        self.tokens = tokens
    }

    public func fork() -> SequenceState {
        guard let owner else { return PrefixHashState(orphanedTokens: tokens) }
        return PrefixHashState(owner: owner, tokens: tokens)
    }

    private init(orphanedTokens: [TokenID]) {
        self.owner = nil
        self.tokens = orphanedTokens
    }
}

/// The toy vocabulary: token 0 is BOS and token 1 is EOS (both print nothing); token `i ≥ 2` is a lowercase
/// letter, with a leading space for every second cycle through the alphabet (`"a"`, ..., `"z"`, `" a"`, ...),
/// and a number suffix beyond that, so every printable token has distinct bytes.
public final class PrefixHashVocabulary: Vocabulary {
    public let count: Int
    public var endTokens: Set<TokenID> { [1] }
    public var beginToken: TokenID? { 0 }

    public init(count: Int) { self.count = count }

    public func bytes(of token: TokenID) -> [UInt8] {
        guard token >= 2, Int(token) < count else { return [] }
        let i = Int(token) - 2
        let letter = String(UnicodeScalar(UInt8(97 + i % 26)))
        switch i / 26 {
        case 0: return Array(letter.utf8)
        case 1: return Array((" " + letter).utf8)
        case let cycle: return Array((" " + letter + String(cycle)).utf8)
        }
    }
}
