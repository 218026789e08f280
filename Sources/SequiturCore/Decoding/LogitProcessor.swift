/// Adjusts next-token scores before a decoder chooses: repetition penalties, banned tokens, and (later) masks
/// for constrained output. The second plugin axis beside decoders.
///
/// **What a processor sees.** The row a processor adjusts holds the model's normalised next-token log-probs
/// (`PositionLogProbs.fullRow`, a log-softmax), possibly already adjusted by the processors before it in the
/// request's list; never raw logits, which the model API does not return. This is what transformers' beam
/// search hands its processors (it applies them to `log_softmax(logits)`); its greedy and sampling loops hand
/// them raw logits instead. A log-softmax differs from the logits by one constant per row, so processors that
/// add or set values (bans, logit bias, presence and frequency penalties, no-repeat-n-gram, minimum new tokens)
/// choose the same tokens either way; a repetition penalty, which divides or multiplies scores, is not
/// shift-invariant and matches transformers' beam search exactly but its greedy search only approximately.
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
}

extension LogitProcessor {
    public mutating func start(_ context: ProcessorStart) {}
    public mutating func accept(_ token: TokenID) {}
    public func fork() -> Self { self }
    public var referencedTokens: [TokenID] { [] }
}

/// What a processor learns when a decode starts.
public struct ProcessorStart: Sendable {
    /// The whole prompt (a `prefixState`'s tokens included).
    public var prompt: [TokenID]
    public var vocabularySize: Int
    /// The tokens that end a hypothesis in this decode (the vocabulary's end token and the request's extra
    /// ones, when the request stops on end tokens).
    public var endTokens: Set<TokenID>

    public init(prompt: [TokenID], vocabularySize: Int, endTokens: Set<TokenID>) {
        self.prompt = prompt
        self.vocabularySize = vocabularySize
        self.endTokens = endTokens
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
