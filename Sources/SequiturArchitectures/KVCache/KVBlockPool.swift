import SequiturCore

/// Hands out the blocks of one model's key/value cache to sequence states and counts how many states hold
/// each block, so that forks share cached prefixes copy-on-write (paged attention's scheme).
///
/// A state's block table lists the blocks holding its positions in order; a block is shared by every state
/// forked from the one that filled it. Blocks go back on the free list when their last holder releases them.
/// When no block is free the backend cache grows by doubling; block numbers stay valid across growth, so
/// block tables never need rewriting.
///
/// ```swift
/// let block = try pool.allocate()                 // refcount 1
/// pool.retain(block)                              // a fork shares it: refcount 2
/// let mine = try pool.makeWritable(block)         // a writer copies it first when shared
/// ```
///
/// The pool is used from one thread at a time, like the model that owns it.
public final class KVBlockPool {
    /// The backend whose cache storage this pool manages.
    public let backend: any Backend
    /// The backend cache; replaced (same contents, more blocks) when the pool grows.
    public private(set) var storage: KVCacheStorage
    /// Token slots per block.
    public var blockSize: Int { storage.blockSize }
    /// Blocks the backend cache has room for.
    public var capacity: Int { storage.blockCapacity }
    /// Blocks held by at least one state.
    public private(set) var blocksInUse = 0
    /// Blocks copied by copy-on-write since the pool was made (tests use it to prove forks do not copy).
    public private(set) var copiedBlockCount = 0

    private var referenceCounts: [Int32]
    /// Free block numbers; the lowest numbers are handed out first (popped from the end).
    private var freeList: [Int32]

    /// A pool over a fresh backend cache with room for `initialBlocks` blocks (it grows when needed).
    public init(backend: any Backend, layers: Int, kvDimension: Int, blockSize: Int, initialBlocks: Int) throws {
        precondition(blockSize > 0 && initialBlocks > 0, "a KV pool needs a positive block size and capacity")
        self.backend = backend
        storage = try backend.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: initialBlocks,
                                          kvDimension: kvDimension)
        referenceCounts = [Int32](repeating: 0, count: initialBlocks)
        freeList = (0..<Int32(initialBlocks)).reversed()
    }

    /// How many states hold `block` (0 when it is free).
    public func referenceCount(of block: Int32) -> Int { Int(referenceCounts[Int(block)]) }

    /// A free block with reference count 1. Grows the backend cache by doubling when none is free.
    public func allocate() throws -> Int32 {
        if freeList.isEmpty { try grow() }
        let block = freeList.removeLast()
        referenceCounts[Int(block)] = 1
        blocksInUse += 1
        return block
    }

    /// Records one more holder of `block`.
    public func retain(_ block: Int32) {
        precondition(referenceCounts[Int(block)] > 0, "retaining free KV block \(block)")
        referenceCounts[Int(block)] += 1
    }

    /// Drops one holder of `block`; the last release returns it to the free list.
    public func release(_ block: Int32) {
        let i = Int(block)
        precondition(referenceCounts[i] > 0, "releasing free KV block \(block)")
        referenceCounts[i] -= 1
        if referenceCounts[i] == 0 {
            freeList.append(block)
            blocksInUse -= 1
        }
    }

    /// A block the caller may write to in place of `block`: `block` itself when the caller is its only holder,
    /// otherwise a fresh copy (the caller's hold on `block` moves to the copy).
    public func makeWritable(_ block: Int32) throws -> Int32 {
        guard referenceCounts[Int(block)] > 1 else { return block }
        let copy = try allocate()
        try backend.copyKVBlock(storage, from: Int(block), to: Int(copy))
        release(block)
        copiedBlockCount += 1
        return copy
    }

    private func grow() throws {
        let old = capacity
        storage = try backend.growKVCache(storage, blockCapacity: old * 2)
        referenceCounts += [Int32](repeating: 0, count: old)
        // Reversed so that the lowest new number is handed out first.
        freeList += (Int32(old)..<Int32(old * 2)).reversed()
    }
}
