/// The state of one token sequence inside a language model: the tokens consumed so far and, behind them, the
/// key/value cache that lets the model continue without recomputing them.
///
/// States are reference types owned by the caller. `fork()` is cheap (O(number of KV blocks)): the copy shares
/// every cached block with the original copy-on-write, so beams and multiple-choice continuations branch from
/// a common prefix without copying it. Memory is released when the last state holding a block goes away.
///
/// ```swift
/// let prefix = model.makeState()
/// _ = try model.extend([ExtensionRequest(state: prefix, tokens: context)])
/// let branch = prefix.fork()            // shares the context's KV blocks
/// ```
public protocol SequenceState: AnyObject {
    /// Tokens consumed so far, in order.
    var tokens: [TokenID] { get }
    /// A new state with the same tokens and cache, sharing the cache copy-on-write.
    func fork() -> SequenceState
}

extension SequenceState {
    /// Number of tokens consumed so far.
    public var count: Int { tokens.count }
}
