/// How many tokens `SpeculativeDecoder` drafts per call. The output never depends on it (every draft is
/// verified); it decides how much verification work is wasted on guesses the target rejects.
public enum DraftSchedule: String, Sendable, CaseIterable {
    /// Always `numDraftTokens`.
    case constant
    /// transformers' `num_assistant_tokens_schedule="heuristic"`: two more after a call that kept every draft,
    /// one fewer (down to 1) after a call that rejected one, capped at `numDraftTokens`. A verification of `n`
    /// drafts costs nearly `n + 1` single-token calls on a compute-bound device, so guesses that keep failing
    /// should be short.
    case heuristic

    /// The draft length after a call that drafted `drafted` tokens and kept `kept` of them (a call without
    /// drafts says nothing about their quality and leaves the length as it was).
    public func next(_ length: Int, drafted: Int, kept: Int, limit: Int) -> Int {
        guard self == .heuristic else { return limit }
        guard drafted > 0 else { return length }
        return kept == drafted ? min(limit, length + 2) : max(1, length - 1)
    }
}
