import SequiturCore

/// The CPU key/value cache: keys and values as float32, block-major: block `b` holds, layer after layer, its
/// `blockSize` slots of `kvDimension` floats. A block's rows for every layer are contiguous (a block copy is one
/// copy), and growing appends blocks without moving any (`GrowableFloatBuffer`), so a cache that grows during a
/// search neither copies nor holds two buffers at once.
public final class CPUKVCache: KVCacheStorage, @unchecked Sendable {
    // @unchecked Sendable: written only by `storeKV`/`copyKVBlock` (disjoint rows per thread), read by attention,
    // grown only between ops.
    public let layerCount: Int
    public let blockSize: Int
    public private(set) var blockCapacity: Int
    public let kvDimension: Int
    let keys: GrowableFloatBuffer
    let values: GrowableFloatBuffer

    init(layers: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int, ledger: MemoryLedger, backendName: String) throws {
        self.layerCount = layers
        self.blockSize = blockSize
        self.blockCapacity = blockCapacity
        self.kvDimension = kvDimension
        let (count, overflow) = Self.floats(layers: layers, blockSize: blockSize, blocks: blockCapacity, kvDimension: kvDimension)
        guard !overflow else { throw BackendError.outOfMemory(backend: backendName, requestedBytes: Int.max) }
        // Not zeroed: attention reads only the slots of positions a state holds, each written by `storeKV`
        // first, so the cache's spare capacity is never touched and never resident.
        keys = try GrowableFloatBuffer(count: count, ledger: ledger, backendName: backendName)
        values = try GrowableFloatBuffer(count: count, ledger: ledger, backendName: backendName)
    }

    /// Grows to `blocks` blocks in place: every block keeps its number and its contents.
    func grow(toBlocks blocks: Int, backendName: String) throws {
        let (count, overflow) = Self.floats(layers: layerCount, blockSize: blockSize, blocks: blocks, kvDimension: kvDimension)
        guard !overflow else { throw BackendError.outOfMemory(backend: backendName, requestedBytes: Int.max) }
        try keys.grow(to: count)
        try values.grow(to: count)
        blockCapacity = blocks
    }

    private static func floats(layers: Int, blockSize: Int, blocks: Int, kvDimension: Int) -> (Int, Bool) {
        let (a, o1) = layers.multipliedReportingOverflow(by: blockSize)
        let (b, o2) = a.multipliedReportingOverflow(by: blocks)
        let (c, o3) = b.multipliedReportingOverflow(by: kvDimension)
        return (c, o1 || o2 || o3)
    }

    /// What the attention kernel's row numbers and their bounds check depend on.
    struct Layout: Equatable {
        let layers: Int
        let blockSize: Int
        let blockCapacity: Int
    }

    var layout: Layout { Layout(layers: layerCount, blockSize: blockSize, blockCapacity: blockCapacity) }

    /// Floats in one block (all layers).
    var blockStride: Int { layerCount * blockSize * kvDimension }

    /// Offset of slot `slot` of layer `layer` in `keys` and `values`.
    func offset(layer: Int, slot: Int) -> Int {
        (slot / blockSize) * blockStride + (layer * blockSize + slot % blockSize) * kvDimension
    }

    /// The row of slot `slot` counted in `kvDimension` floats from layer `layer`'s first row (`offset(layer:
    /// slot: 0)`), the same for every layer: what the attention kernel's slot list holds.
    func attentionRow(slot: Int) -> Int {
        (slot / blockSize) * layerCount * blockSize + slot % blockSize
    }
}
