import SequiturCore

/// Where speculative decoding gets its guesses: given the tokens so far (prompt and output), up to `count`
/// tokens that the target model will probably choose next.
///
/// A guess costs correctness nothing: `SpeculativeDecoder` verifies every drafted token against the target
/// model and keeps only those the target would have chosen itself, so a bad source only wastes verification
/// work. Proposals must be deterministic functions of `context` and the source's own history: the sampling
/// acceptance rule treats each drafted token as drawn from a point mass (see `SpeculativeDecoder`).
///
/// A decode works on its own copy of the source (`var source = draft`), so a source that keeps state between
/// calls (a draft model's cache) keeps it in stored properties that start empty, never in shared objects it
/// mutates in place.
public protocol DraftSource {
    /// A name for messages and documentation ("prompt-lookup", "draft-model").
    var name: String { get }

    /// Checks, before any model work, that the source can draft for `target` (a draft model's vocabulary).
    /// The default accepts every target.
    func validate(target: any LanguageModel) throws

    /// Up to `count` (≥ 1) tokens to follow `context`, in order; fewer or none when the source has no guess.
    /// Within one decode `context` only grows, by the tokens the decoder kept.
    mutating func propose(after context: [TokenID], count: Int) throws -> [TokenID]
}

extension DraftSource {
    public func validate(target: any LanguageModel) throws {}
}
