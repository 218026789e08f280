/// Everything an attention kernel needs to know about one batched forward step, in flat arrays that copy
/// straight to a device.
///
/// `tokenCount` new tokens belong to `sequenceCount` sequences. New token `t` belongs to sequence
/// `tokenSequence[t]`, sits at absolute position `tokenPosition[t]`, and attends causally to positions
/// `0...tokenPosition[t]` of its own sequence. Sequence `s` owns the blocks
/// `blockTables[blockTableOffsets[s] ..< blockTableOffsets[s + 1]]`, in order; position `p` of sequence `s`
/// lives in slot `blockTables[blockTableOffsets[s] + p / blockSize] * blockSize + p % blockSize`.
/// `tokenSlot[t]` is the slot the new token's key and value are written to.
public struct AttentionBatch: Sendable, Equatable {
    public var tokenSequence: [Int32]
    public var tokenPosition: [Int32]
    public var tokenSlot: [Int32]
    public var blockTables: [Int32]
    public var blockTableOffsets: [Int32]
    public var blockSize: Int

    public init(tokenSequence: [Int32], tokenPosition: [Int32], tokenSlot: [Int32],
                blockTables: [Int32], blockTableOffsets: [Int32], blockSize: Int) {
        self.tokenSequence = tokenSequence
        self.tokenPosition = tokenPosition
        self.tokenSlot = tokenSlot
        self.blockTables = blockTables
        self.blockTableOffsets = blockTableOffsets
        self.blockSize = blockSize
    }

    public var tokenCount: Int { tokenSequence.count }
    public var sequenceCount: Int { blockTableOffsets.count - 1 }

    /// The cache slot that holds position `position` of sequence `sequence`.
    public func slot(sequence: Int, position: Int) -> Int {
        let table = Int(blockTableOffsets[sequence])
        return Int(blockTables[table + position / blockSize]) * blockSize + position % blockSize
    }
}
