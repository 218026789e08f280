/// Adjusts next-token scores before a decoder chooses: repetition penalties, banned tokens, and (later) masks
/// for constrained output. The second plugin axis beside decoders.
///
/// **What a processor sees.** The row a processor adjusts is what transformers hands its processors, possibly
/// already adjusted by the processors before it in the request's list:
/// - greedy and sampling (token-by-token decoders): raw logits, before normalisation (`DecodingPlan.logits`:
///   the log-probs plus the row's log-normaliser), so a repetition penalty divides or multiplies the logit as
///   transformers' greedy and sampling searches do;
/// - beam and exhaustive search: normalised log-probs (`PositionLogProbs.fullRow`), as transformers' beam search
///   applies processors to `log_softmax(logits)`, and as exhaustive search's proof needs (scores ≤ 0).
/// A log-softmax differs from the logits by one constant per row, so processors that add or set values (bans,
/// grammars, logit bias, presence and frequency penalties, no-repeat-n-gram, minimum new tokens) choose the
/// same tokens on either; only a repetition penalty, which scales scores, depends on which it is given.
///
/// **State.** A decode calls `start(_:)` once on its own copy of the request's processors, `process` on
/// each step's row (any number of times, for any branch: it must not change the processor), and `accept` with
/// each token a branch takes. A decoder that grows several branches (beams, search nodes) calls `fork()` where
/// a branch splits, so each branch's processors follow that branch's own tokens:
///
/// ```swift
/// var chain = plan.startProcessors()                  // one copy per decode, started on the prompt
/// var row = answer.fullRow                            // normalised log-probs from the model
/// chain.process(&row, history: state.tokens)
/// let next = choose(from: row)
/// var branch = chain.fork(); branch.accept(next)      // a beam's child follows its own branch
/// ```
///
/// A struct holding only values needs no `fork()` of its own: the default returns a copy. A class must return
/// an independent copy. A hypothesis's `tokenLogProbs` and `logProb` stay the model's own: processors steer the
/// choice, they do not rewrite `log Pr(y | x)`. (Beam and exhaustive search rank by the processed scores, so
/// their `Hypothesis.score` sums those, as transformers' `sequences_scores` does.)
public protocol LogitProcessor: Sendable {
    /// Called once per decode, before the first step, with the whole prompt, the vocabulary size and the tokens
    /// that end a hypothesis. The default does nothing.
    mutating func start(_ context: ProcessorStart)

    /// Adjusts `logProbs` (one entry per vocabulary token) for the next token after `history` (the prompt and
    /// the tokens this branch accepted so far). Set an entry to `-.infinity` to forbid a token.
    func process(_ logProbs: inout [Float], history: [TokenID])

    /// Called with the token the branch took after the row that `process` last adjusted. The default does
    /// nothing (a processor that reads everything from `history` needs no state).
    mutating func accept(_ token: TokenID)

    /// An independent copy for a new branch. The default returns `self`, a copy for a value type.
    func fork() -> Self

    /// Token ids the processor names (banned, biased): a decode refuses ids outside the vocabulary before any
    /// model work, naming the processor. The default is none.
    var referencedTokens: [TokenID] { get }

    /// Whether the branch's output so far may end here (a grammar whose sentence is complete). A hypothesis
    /// that reaches `maxNewTokens` while this is false finishes as `.incomplete`, and exhaustive search does not
    /// count it as an output. The default is true.
    var permitsFinish: Bool { get }
}

extension LogitProcessor {
    public mutating func start(_ context: ProcessorStart) {}
    public mutating func accept(_ token: TokenID) {}
    public func fork() -> Self { self }
    public var referencedTokens: [TokenID] { [] }
    public var permitsFinish: Bool { true }
}

/// What a processor learns when a decode starts.
///
/// `@unchecked Sendable` for `vocabulary`: vocabularies are immutable once a model is loaded (the protocol is a
/// class protocol so models can share one without copying 49,152 byte strings).
public struct ProcessorStart: @unchecked Sendable {
    /// The whole prompt (a `prefixState`'s tokens included).
    public var prompt: [TokenID]
    public var vocabularySize: Int
    /// The tokens that end a hypothesis in this decode (the vocabulary's end token and the request's extra
    /// ones, when the request stops on end tokens).
    public var endTokens: Set<TokenID>
    /// The model's vocabulary (each token's bytes: what a grammar matches), when the decoder has one.
    public var vocabulary: (any Vocabulary)?

    public init(prompt: [TokenID], vocabularySize: Int, endTokens: Set<TokenID>, vocabulary: (any Vocabulary)? = nil) {
        self.prompt = prompt
        self.vocabularySize = vocabularySize
        self.endTokens = endTokens
        self.vocabulary = vocabulary
    }
}

/// A processor that only forbids tokens (bad words, no-repeat-n-gram, minimum new tokens, suppressed tokens).
/// Decoders need not fetch full rows for it: asking the model for `k + (banned count)` best tokens leaves `k`
/// allowed ones, which is how beam search stays on top-k rows under these processors.
public protocol TokenBanningProcessor: LogitProcessor {
    /// The tokens that may not follow `history` (the prompt and this branch's accepted tokens).
    func bannedTokens(history: [TokenID]) -> Set<TokenID>
}

extension TokenBanningProcessor {
    public func process(_ logProbs: inout [Float], history: [TokenID]) {
        for t in bannedTokens(history: history) where Int(t) >= 0 && Int(t) < logProbs.count {
            logProbs[Int(t)] = -.infinity
        }
    }
}
