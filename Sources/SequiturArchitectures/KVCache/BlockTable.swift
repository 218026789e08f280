import SequiturCore

/// The blocks of a `KVBlockPool` holding one sequence's cached positions, in order, with the pool's reference
/// counts kept right: making a table of existing blocks retains them, and the table releases them when it
/// goes away. Position `p` lives in block `blocks[p / blockSize]`, slot `p % blockSize`.
public final class BlockTable {
    /// Held strongly: blocks must go back to the pool that counts them, however long states outlive the model.
    public let pool: KVBlockPool
    public private(set) var blocks: [Int32]

    /// An empty table.
    public init(pool: KVBlockPool) {
        self.pool = pool
        blocks = []
    }

    /// A table sharing every block of `other` (each gains one holder). O(number of blocks).
    public init(sharing other: BlockTable) {
        pool = other.pool
        blocks = other.blocks
        for b in blocks { pool.retain(b) }
    }

    /// A table sharing the blocks of `other` that hold its first `positions` positions (a prefix fork: what
    /// speculative decoding continues from after dropping rejected drafts). The partly used last block is
    /// shared too; the first write into it copies it, as for any fork.
    public init(sharing other: BlockTable, positions: Int) {
        pool = other.pool
        let size = other.pool.blockSize
        blocks = Array(other.blocks.prefix((positions + size - 1) / size))
        for b in blocks { pool.retain(b) }
    }

    deinit {
        for b in blocks { pool.release(b) }
    }

    /// Makes positions `currentLength ..< newLength` writable: a block that will be written and is shared with
    /// another table (in practice the partly filled last block of a fork) is copied first (copy-on-write), then
    /// fresh blocks are added as needed.
    public func prepareToWrite(from currentLength: Int, to newLength: Int) throws {
        guard newLength > currentLength else { return }
        let size = pool.blockSize
        let needed = (newLength + size - 1) / size
        for i in (currentLength / size)..<min(blocks.count, needed) {
            blocks[i] = try pool.makeWritable(blocks[i])
        }
        while blocks.count < needed { blocks.append(try pool.allocate()) }
    }

    /// The cache slot of position `position`.
    public func slot(of position: Int) -> Int32 {
        let size = pool.blockSize
        return blocks[position / size] * Int32(size) + Int32(position % size)
    }
}
