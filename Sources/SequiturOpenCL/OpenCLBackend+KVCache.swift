import SequiturCore

extension OpenCLBackend {
    public func makeKVCache(layers: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int) throws -> KVCacheStorage {
        guard layers > 0, blockSize > 0, blockCapacity > 0, kvDimension > 0 else {
            throw BackendError.shapeMismatch(operation: "makeKVCache", detail: "\(layers) layers, block size \(blockSize), \(blockCapacity) blocks, kv dimension \(kvDimension)")
        }
        let (bytes, overflow) = layers.multipliedReportingOverflow(by: blockCapacity * blockSize * kvDimension * 4)
        guard !overflow, bytes <= device.maxAllocationBytes else {
            throw BackendError.outOfMemory(backend: name, requestedBytes: overflow ? Int.max : bytes)
        }
        let keys = try OpenCLBuffer(context: context, byteCount: bytes, ledger: ledger)
        let values = try OpenCLBuffer(context: context, byteCount: bytes, ledger: ledger)
        return OpenCLKVCache(layerCount: layers, blockSize: blockSize, blockCapacity: blockCapacity, kvDimension: kvDimension,
                             keys: keys, values: values, owner: ObjectIdentifier(self))
    }

    /// Copies every layer's slots into the larger buffers on the device; the host never sees the cache.
    public func growKVCache(_ cache: KVCacheStorage, blockCapacity: Int) throws -> KVCacheStorage {
        let old = try ownCache(cache, "growKVCache")
        guard blockCapacity >= old.blockCapacity else {
            throw BackendError.shapeMismatch(operation: "growKVCache", detail: "new capacity \(blockCapacity) is below the current \(old.blockCapacity)")
        }
        let grown = try ownCache(makeKVCache(layers: old.layerCount, blockSize: old.blockSize, blockCapacity: blockCapacity,
                                             kvDimension: old.kvDimension), "growKVCache")
        for layer in 0..<old.layerCount {
            try grown.keys.copy(from: old.keys, sourceOffset: layer * old.layerBytes, offset: layer * grown.layerBytes, bytes: old.layerBytes)
            try grown.values.copy(from: old.values, sourceOffset: layer * old.layerBytes, offset: layer * grown.layerBytes, bytes: old.layerBytes)
        }
        return grown
    }

    public func copyKVBlock(_ cache: KVCacheStorage, from source: Int, to destination: Int) throws {
        let c = try ownCache(cache, "copyKVBlock")
        try BackendArgumentChecks.blockCopy("copyKVBlock", from: source, to: destination, cache: c)
        guard source != destination else { return }
        try kernel("copy_kv_block").launch(
            [.buffer(c.keys), .buffer(c.values), .int(source), .int(destination), .int(c.blockSize), .int(c.kvDimension),
             .uint64(UInt64(c.slotsPerLayer))],
            global: [c.blockSize * c.kvDimension, c.layerCount], local: [64, 1])
    }

    public func storeKV(keys: DeviceTensor, values: DeviceTensor, layer: Int, slots: [Int32], cache: KVCacheStorage) throws {
        let op = "storeKV"
        let c = try ownCache(cache, op), k = try activation(keys, op), v = try activation(values, op)
        try BackendArgumentChecks.storeKV(op, keys: k, values: v, layer: layer, slots: slots, cache: c)
        guard !slots.isEmpty else { return }
        let slotBuffer = try upload(slots, purpose: "slots")
        try kernel("store_kv").launch(
            [.buffer(k.buffer), .buffer(v.buffer), .buffer(c.keys), .buffer(c.values), .buffer(slotBuffer),
             .uint64(UInt64(layer * c.slotsPerLayer)), .int(c.kvDimension)],
            global: [c.kvDimension, slots.count], local: [64, 1])
    }
}

extension OpenCLBackend: KernelCheckHooks {
    /// The tiled and the matrix-vector kernel; `matmulPath` picks between them per call.
    public var matmulVariants: [String] { ["tiled", "matrix-vector"] }

    public func withMatmulVariant<T>(_ variant: String, _ body: () throws -> T) throws -> T {
        let path: MatmulPath
        switch variant {
        case "tiled": path = .tiled
        case "matrix-vector": path = .vector
        default: throw BackendError.unsupported(backend: name, operation: "matmul variant '\(variant)'")
        }
        let saved = matmulPath
        matmulPath = path
        defer { matmulPath = saved }
        return try body()
    }

    public func fillKVBlocks(_ cache: KVCacheStorage, blocks: Range<Int>, with value: Float) throws {
        guard let device = cache as? OpenCLKVCache else { throw BackendError.foreignTensor(backend: name, operation: "fillKVBlocks") }
        try BackendArgumentChecks.blockRange("fillKVBlocks", blocks, cache: device)
        let blockBytes = device.blockSize * device.kvDimension * 4
        for layer in 0..<device.layerCount {
            let offset = layer * device.layerBytes + blocks.lowerBound * blockBytes
            try device.keys.fill(value, offset: offset, bytes: blocks.count * blockBytes)
            try device.values.fill(value, offset: offset, bytes: blocks.count * blockBytes)
        }
    }
}
