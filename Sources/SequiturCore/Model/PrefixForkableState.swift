/// A `SequenceState` that can fork a prefix of itself: a new state holding only its first `count` tokens,
/// sharing their cache copy-on-write.
///
/// What speculative decoding needs to drop rejected draft tokens without recomputing the accepted ones: the
/// verification `extend` appends every drafted token, and the state to continue from is a prefix of it. The
/// base protocol has only `fork()` (the whole state), so a decoder facing a state without this capability keeps
/// a fork from before the verification and feeds the accepted tokens again, which costs forward work but no
/// extra `extend` call. A paged KV cache conforms cheaply: share the first `ceil(count / blockSize)` blocks; the
/// partly used last one is copied on the next write because the original still holds it.
public protocol PrefixForkableState: SequenceState {
    /// A new state holding `tokens[..<count]` and their cache; `count` is in `0...self.count`.
    func fork(keepingFirst count: Int) -> SequenceState
}
