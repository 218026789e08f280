/// A model whose sequence states live in a paged key/value cache that it can report on and trim: what a
/// long-running server needs to expose cache use in its metrics and to give memory back between bursts.
public protocol KVCacheManaging: AnyObject {
    /// Blocks held by live states, and the cache's current size.
    var kvCacheUsage: KVCacheUsage { get }
    /// Frees what only running work needs: the cache's grown storage when no state holds a block (returns
    /// whether it shrank), and buffers kept between forward passes. Must not run concurrently with `extend`.
    func releaseIdleMemory() throws -> Bool
}

/// How much of a paged KV cache is in use.
public struct KVCacheUsage: Sendable, Equatable {
    public var blocksInUse: Int
    public var blockCapacity: Int
    /// Token positions per block.
    public var blockSize: Int
    /// Bytes one block takes in the backend's cache (every layer's keys and values for `blockSize` positions).
    public var bytesPerBlock: Int

    /// Bytes held by live states.
    public var bytesInUse: Int { blocksInUse * bytesPerBlock }

    public init(blocksInUse: Int, blockCapacity: Int, blockSize: Int, bytesPerBlock: Int) {
        self.blocksInUse = blocksInUse
        self.blockCapacity = blockCapacity
        self.blockSize = blockSize
        self.bytesPerBlock = bytesPerBlock
    }
}
