import SequiturCore

/// A `LlamaModel` sequence: the tokens consumed so far and the table of KV cache blocks that hold their keys
/// and values. `fork()` shares every block copy-on-write, so branching from a long prefix costs
/// O(number of blocks) and no cache copying; blocks return to the pool when the last state holding them goes.
/// `fork(keepingFirst:)` does the same for a prefix, so speculative decoding drops rejected drafts without
/// recomputing the tokens it keeps.
public final class LlamaSequenceState: PrefixForkableState {
    public private(set) var tokens: [TokenID]
    /// The KV blocks behind `tokens`; shared with forks until one of them writes into a shared partial block.
    public let blockTable: BlockTable

    init(pool: KVBlockPool) {
        tokens = []
        blockTable = BlockTable(pool: pool)
    }

    private init(forking other: LlamaSequenceState) {
        tokens = other.tokens
        blockTable = BlockTable(sharing: other.blockTable)
    }

    private init(forking other: LlamaSequenceState, keepingFirst count: Int) {
        tokens = Array(other.tokens.prefix(count))
        blockTable = BlockTable(sharing: other.blockTable, positions: count)
    }

    public func fork() -> SequenceState { LlamaSequenceState(forking: self) }

    public func fork(keepingFirst count: Int) -> SequenceState {
        precondition((0...tokens.count).contains(count), "a prefix fork keeps 0...\(tokens.count) tokens, not \(count)")
        return LlamaSequenceState(forking: self, keepingFirst: count)
    }

    /// The pool this state's blocks belong to (identifies the model that made it).
    var pool: KVBlockPool { blockTable.pool }

    /// Records tokens whose keys and values the model has written to the cache.
    func append(_ newTokens: [TokenID]) { tokens += newTokens }
}
