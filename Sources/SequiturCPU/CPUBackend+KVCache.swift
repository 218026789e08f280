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
        try old.grow(toBlocks: blockCapacity, backendName: name)
        return old
    }

    public func copyKVBlock(_ cache: KVCacheStorage, from source: Int, to destination: Int) throws {
        let c = try kvCache(cache, "copyKVBlock")
        try BackendArgumentChecks.blockCopy("copyKVBlock", from: source, to: destination, cache: c)
        guard source != destination else { return }
        // Block-major: a block's rows for every layer are one contiguous run.
        let count = c.blockStride
        let from = c.offset(layer: 0, slot: source * c.blockSize), to = c.offset(layer: 0, slot: destination * c.blockSize)
        (c.keys.pointer + to).update(from: c.keys.pointer + from, count: count)
        (c.values.pointer + to).update(from: c.values.pointer + from, count: count)
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
        let start = cache.offset(layer: 0, slot: blocks.lowerBound * cache.blockSize)
        let count = blocks.count * cache.blockStride
        (cache.keys.pointer + start).update(repeating: value, count: count)
        (cache.values.pointer + start).update(repeating: value, count: count)
    }
}
