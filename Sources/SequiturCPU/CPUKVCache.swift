import SequiturCore

/// The CPU key/value cache: keys and values as float32 arrays laid out `[layer][slot][kvDimension]`, with
/// `blockCapacity · blockSize` slots per layer.
public final class CPUKVCache: KVCacheStorage, @unchecked Sendable {
    // @unchecked Sendable: written only by `storeKV`/`copyKVBlock` (disjoint rows per thread), read by attention.
    public let layerCount: Int
    public let blockSize: Int
    public let blockCapacity: Int
    public let kvDimension: Int
    let keys: AlignedFloatBuffer
    let values: AlignedFloatBuffer

    init(layers: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int, ledger: MemoryLedger, backendName: String) throws {
        self.layerCount = layers
        self.blockSize = blockSize
        self.blockCapacity = blockCapacity
        self.kvDimension = kvDimension
        let count = layers * blockCapacity * blockSize * kvDimension
        // Not zeroed: attention reads only the slots of positions a state holds, each written by `storeKV`
        // first, so the cache's spare capacity (up to half of it after a doubling) is never touched and never
        // resident.
        keys = try AlignedFloatBuffer(count: count, ledger: ledger, backendName: backendName, zeroed: false)
        values = try AlignedFloatBuffer(count: count, ledger: ledger, backendName: backendName, zeroed: false)
    }

    /// Floats from one layer to the next.
    var layerStride: Int { slotsPerLayer * kvDimension }

    /// Offset of slot `slot` of layer `layer` in `keys` and `values`.
    func offset(layer: Int, slot: Int) -> Int { layer * layerStride + slot * kvDimension }
}
