import Foundation
import SequiturCore

/// Hands out the blocks of one model's key/value cache to sequence states and counts how many states hold
/// each block, so that forks share cached prefixes copy-on-write (paged attention's scheme).
///
/// A state's block table lists the blocks holding its positions in order; a block is shared by every state
/// forked from the one that filled it. Blocks go back on the free list when their last holder releases them.
/// When no block is free the backend cache grows by half its size; block numbers stay valid across growth, so
/// block tables never need rewriting. (Half rather than double: growth copies the cache, so its peak is the
/// old size plus the new, and an exhaustive search's many forks spend most of their memory there.)
///
/// ```swift
/// let block = try pool.allocate()                 // refcount 1
/// pool.retain(block)                              // a fork shares it: refcount 2
/// let mine = try pool.makeWritable(block)         // a writer copies it first when shared
/// ```
///
/// Reference counting is thread-safe: a server's requests fork and drop their states on their own threads while
/// the model's one `extend` at a time allocates and copies blocks, so every change to the counts and the free
/// list happens under one lock. (`extend` itself is still called from one thread at a time.)
public final class KVBlockPool: @unchecked Sendable {
    /// The backend whose cache storage this pool manages.
    public let backend: any Backend
    /// The backend cache; replaced (same contents, more blocks) when the pool grows.
    public private(set) var storage: KVCacheStorage
    /// Token slots per block.
    public var blockSize: Int { storage.blockSize }
    /// Blocks the backend cache has room for.
    public var capacity: Int { lock.withLock { storage.blockCapacity } }
    /// The capacity the pool started with, which `shrinkIfIdle` returns to.
    public let initialCapacity: Int
    /// Blocks held by at least one state.
    public var blocksInUse: Int { lock.withLock { inUse } }
    /// Blocks copied by copy-on-write since the pool was made (tests use it to prove forks do not copy).
    public var copiedBlockCount: Int { lock.withLock { copies } }

    private let lock = NSLock()
    private var inUse = 0
    private var copies = 0

    private var referenceCounts: [Int32]
    /// Free block numbers; the lowest numbers are handed out first (popped from the end).
    private var freeList: [Int32]

    /// A pool over a fresh backend cache with room for `initialBlocks` blocks (it grows when needed).
    public init(backend: any Backend, layers: Int, kvDimension: Int, blockSize: Int, initialBlocks: Int) throws {
        precondition(blockSize > 0 && initialBlocks > 0, "a KV pool needs a positive block size and capacity")
        self.backend = backend
        initialCapacity = initialBlocks
        storage = try backend.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: initialBlocks,
                                          kvDimension: kvDimension)
        referenceCounts = [Int32](repeating: 0, count: initialBlocks)
        freeList = (0..<Int32(initialBlocks)).reversed()
    }

    /// How many states hold `block` (0 when it is free).
    public func referenceCount(of block: Int32) -> Int { lock.withLock { Int(referenceCounts[Int(block)]) } }

    /// A free block with reference count 1. Grows the backend cache by half when none is free.
    public func allocate() throws -> Int32 {
        try lock.withLock { try allocateLocked() }
    }

    /// Records one more holder of `block`.
    public func retain(_ block: Int32) {
        lock.withLock {
            precondition(referenceCounts[Int(block)] > 0, "retaining free KV block \(block)")
            referenceCounts[Int(block)] += 1
        }
    }

    /// Drops one holder of `block`; the last release returns it to the free list.
    public func release(_ block: Int32) {
        lock.withLock { releaseLocked(block) }
    }

    /// A block the caller may write to in place of `block`: `block` itself when the caller is its only holder,
    /// otherwise a fresh copy (the caller's hold on `block` moves to the copy). The copy is made under the lock:
    /// a holder dropping `block` meanwhile must not free it before its contents are read.
    public func makeWritable(_ block: Int32) throws -> Int32 {
        try lock.withLock {
            guard referenceCounts[Int(block)] > 1 else { return block }
            let copy = try allocateLocked()
            try backend.copyKVBlock(storage, from: Int(block), to: Int(copy))
            releaseLocked(block)
            copies += 1
            return copy
        }
    }

    /// Gives the backend cache's memory back when no state holds a block and the cache has grown past its
    /// initial capacity: the storage is replaced by a fresh one of that size. Returns whether it shrank. A
    /// server calls it when its last request ends, so a burst of long requests does not keep its peak. Must
    /// not run during an `extend` (the caller serialises the two).
    @discardableResult
    public func shrinkIfIdle() throws -> Bool {
        try lock.withLock {
            let initialBlocks = initialCapacity
            guard inUse == 0, storage.blockCapacity > initialBlocks else { return false }
            storage = try backend.makeKVCache(layers: storage.layerCount, blockSize: storage.blockSize,
                                              blockCapacity: initialBlocks, kvDimension: storage.kvDimension)
            referenceCounts = [Int32](repeating: 0, count: initialBlocks)
            freeList = (0..<Int32(initialBlocks)).reversed()
            return true
        }
    }

    private func allocateLocked() throws -> Int32 {
        if freeList.isEmpty { try grow() }
        let block = freeList.removeLast()
        referenceCounts[Int(block)] = 1
        inUse += 1
        return block
    }

    private func releaseLocked(_ block: Int32) {
        let i = Int(block)
        precondition(referenceCounts[i] > 0, "releasing free KV block \(block)")
        referenceCounts[i] -= 1
        if referenceCounts[i] == 0 {
            freeList.append(block)
            inUse -= 1
        }
    }

    private func grow() throws {
        let old = storage.blockCapacity
        let new = old + max(1, old / 2)
        storage = try backend.growKVCache(storage, blockCapacity: new)
        referenceCounts += [Int32](repeating: 0, count: new - old)
        // Reversed so that the lowest new number is handed out first.
        freeList += (Int32(old)..<Int32(new)).reversed()
    }
}
