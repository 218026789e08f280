import SequiturCore

/// Perplexity of a long token sequence with a sliding window, as in Hugging Face's perplexity guide: windows of
/// at most `window` tokens start every `stride` tokens, and each window scores only the tokens that no earlier
/// window scored, using the rest of the window as context.
///
/// Which tokens are scored, for a sequence `t_0..t_{T−1}`:
/// - Token 0 is never scored (a model without BOS gives it no conditional probability; put BOS first to have
///   the first text token scored).
/// - The first window is `t_0..t_{N−1}` (N = `window`) and scores `t_1..t_{N−1}`, each with all earlier tokens
///   as context.
/// - Window `k ≥ 1` is `t_{kS}..t_{kS+N−1}` (S = `stride`, cut at the end of the sequence) and scores its last
///   `S` tokens, `t_{(k−1)S+N}..t_{kS+N−1}`, each with at least `N − S` and at most `N − 1` tokens of context.
///
/// So every token from 1 to `T − 1` is scored exactly once, and the count is `T − 1`. `stride == window − 1`
/// gives the cheapest, least-context variant (one context token at each window start); `stride == 1` gives
/// every token the full `window − 1` tokens of context. Windows are scored as `ScoringRequest`s (context: the
/// window's unscored head, continuation: its scored tail) with any `Scorer`, batched as that scorer batches.
public struct RollingPerplexity {
    /// Most tokens in one window, context and scored tokens together (at least 2, at most the model's context).
    public let window: Int
    /// Tokens between window starts: 1 ≤ stride ≤ window − 1.
    public let stride: Int

    public init(window: Int, stride: Int) throws {
        guard window >= 2, stride >= 1, stride <= window - 1 else {
            throw RollingPerplexityError.invalidWindow(window: window, stride: stride)
        }
        self.window = window
        self.stride = stride
    }

    /// The scoring requests for `tokens`, one per window, in order.
    public func windows(of tokens: [TokenID]) -> [ScoringRequest] {
        var requests: [ScoringRequest] = []
        var begin = 0
        var scoredUpTo = 1        // token 0 is never scored
        while scoredUpTo < tokens.count {
            let end = min(begin + window, tokens.count)
            requests.append(ScoringRequest(id: "window \(requests.count)",
                                           context: Array(tokens[begin..<scoredUpTo]),
                                           continuation: Array(tokens[scoredUpTo..<end])))
            scoredUpTo = end
            begin += stride
        }
        return requests
    }

    /// Scores every token but the first once and returns the total, the count and the perplexity.
    public func evaluate(_ tokens: [TokenID], scorer: any Scorer, model: any LanguageModel) throws -> PerplexityResult {
        guard tokens.count >= 2 else { throw RollingPerplexityError.tooShort(tokenCount: tokens.count) }
        guard window <= model.contextLength else {
            throw RollingPerplexityError.windowExceedsContext(window: window, contextLength: model.contextLength)
        }
        let results = try scorer.score(windows(of: tokens), model: model)
        var total: Double = 0
        var count = 0
        for r in results {
            total += r.logProb
            count += r.tokenCount
        }
        return PerplexityResult(totalLogProb: total, tokenCount: count)
    }
}

/// The outcome of `RollingPerplexity.evaluate`.
public struct PerplexityResult: Sendable, Equatable {
    /// Sum of the scored tokens' log-probs (natural log).
    public var totalLogProb: Double
    /// Number of scored tokens (the sequence length minus one).
    public var tokenCount: Int
    /// `exp(−totalLogProb / tokenCount)`.
    public var perplexity: Double { exp(-totalLogProb / Double(tokenCount)) }
}

/// Bad parameters or input for `RollingPerplexity`.
public enum RollingPerplexityError: Error, CustomStringConvertible, Equatable {
    case invalidWindow(window: Int, stride: Int)
    case tooShort(tokenCount: Int)
    case windowExceedsContext(window: Int, contextLength: Int)

    public var description: String {
        switch self {
        case let .invalidWindow(window, stride):
            return "rolling perplexity: window \(window) and stride \(stride) are invalid: need window ≥ 2 and 1 ≤ stride ≤ window − 1 (so every window keeps a context token and no token is skipped)"
        case let .tooShort(count):
            return "rolling perplexity: the sequence has \(count) token(s); at least 2 are needed, since the first token is never scored"
        case let .windowExceedsContext(window, contextLength):
            return "rolling perplexity: window \(window) is longer than the model's context length of \(contextLength)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
