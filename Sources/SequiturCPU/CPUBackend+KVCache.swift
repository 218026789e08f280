import SequiturCore

extension CPUBackend {
    public func makeKVCache(layers: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int) throws -> KVCacheStorage {
        guard layers > 0, blockSize > 0, blockCapacity >= 0, kvDimension > 0 else {
            throw BackendError.shapeMismatch(operation: "makeKVCache",
                detail: "layers \(layers), block size \(blockSize), capacity \(blockCapacity), kv dimension \(kvDimension)")
        }
        return try CPUKVCache(layers: layers, blockSize: blockSize, blockCapacity: blockCapacity,
                              kvDimension: kvDimension, ledger: ledger, backendName: name)
    }

    public func growKVCache(_ cache: KVCacheStorage, blockCapacity: Int) throws -> KVCacheStorage {
        let old = try kvCache(cache, "growKVCache")
        guard blockCapacity >= old.blockCapacity else {
            throw BackendError.shapeMismatch(operation: "growKVCache", detail: "cannot shrink from \(old.blockCapacity) to \(blockCapacity) blocks")
        }
        let new = try CPUKVCache(layers: old.layerCount, blockSize: old.blockSize, blockCapacity: blockCapacity,
                                 kvDimension: old.kvDimension, ledger: ledger, backendName: name)
        for layer in 0..<old.layerCount {
            let from = old.offset(layer: layer, slot: 0), to = new.offset(layer: layer, slot: 0)
            (new.keys.pointer + to).update(from: old.keys.pointer + from, count: old.layerStride)
            (new.values.pointer + to).update(from: old.values.pointer + from, count: old.layerStride)
        }
        return new
    }

    public func copyKVBlock(_ cache: KVCacheStorage, from source: Int, to destination: Int) throws {
        let c = try kvCache(cache, "copyKVBlock")
        try BackendArgumentChecks.blockCopy("copyKVBlock", from: source, to: destination, cache: c)
        guard source != destination else { return }
        let count = c.blockSize * c.kvDimension
        for layer in 0..<c.layerCount {
            let from = c.offset(layer: layer, slot: source * c.blockSize)
            let to = c.offset(layer: layer, slot: destination * c.blockSize)
            (c.keys.pointer + to).update(from: c.keys.pointer + from, count: count)
            (c.values.pointer + to).update(from: c.values.pointer + from, count: count)
        }
    }

    public func storeKV(keys: DeviceTensor, values: DeviceTensor, layer: Int, slots: [Int32], cache: KVCacheStorage) throws {
        let op = "storeKV"
        let c = try kvCache(cache, op), k = try activation(keys, op), v = try activation(values, op)
        try BackendArgumentChecks.storeKV(op, keys: k, values: v, layer: layer, slots: slots, cache: c)
        let d = c.kvDimension
        for (t, slot) in slots.enumerated() {
            let to = c.offset(layer: layer, slot: Int(slot))
            (c.keys.pointer + to).update(from: k.floats + t * d, count: d)
            (c.values.pointer + to).update(from: v.floats + t * d, count: d)
        }
    }

    func kvCache(_ cache: KVCacheStorage, _ operation: String) throws -> CPUKVCache {
        guard let c = cache as? CPUKVCache else { throw BackendError.foreignTensor(backend: name, operation: operation) }
        return c
    }
}

extension CPUBackend: KernelCheckHooks {
    /// One matmul kernel per weight type: nothing to cross.
    public var matmulVariants: [String] { [] }

    public func withMatmulVariant<T>(_ variant: String, _ body: () throws -> T) throws -> T {
        throw BackendError.unsupported(backend: name, operation: "matmul variant '\(variant)' (it has none)")
    }

    public func fillKVBlocks(_ cache: KVCacheStorage, blocks: Range<Int>, with value: Float) throws {
        guard let cache = cache as? CPUKVCache else { throw BackendError.foreignTensor(backend: name, operation: "fillKVBlocks") }
        try BackendArgumentChecks.blockRange("fillKVBlocks", blocks, cache: cache)
        let slots = (blocks.lowerBound * cache.blockSize)..<(blocks.upperBound * cache.blockSize)
        for layer in 0..<cache.layerCount {
            let start = cache.offset(layer: layer, slot: slots.lowerBound)
            let end = cache.offset(layer: layer, slot: slots.upperBound)
            (cache.keys.pointer + start).update(repeating: value, count: end - start)
            (cache.values.pointer + start).update(repeating: value, count: end - start)
        }
    }
}
