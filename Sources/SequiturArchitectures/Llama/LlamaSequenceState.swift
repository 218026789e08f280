import SequiturCore

/// A `LlamaModel` sequence: the tokens consumed so far and the table of KV cache blocks that hold their keys
/// and values. `fork()` shares every block copy-on-write, so branching from a long prefix costs
/// O(number of blocks) and no cache copying; blocks return to the pool when the last state holding them goes.
public final class LlamaSequenceState: SequenceState {
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

    public func fork() -> SequenceState { LlamaSequenceState(forking: self) }

    /// The pool this state's blocks belong to (identifies the model that made it).
    var pool: KVBlockPool { blockTable.pool }

    /// Records tokens whose keys and values the model has written to the cache.
    func append(_ newTokens: [TokenID]) { tokens += newTokens }
}
