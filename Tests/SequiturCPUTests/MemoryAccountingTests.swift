import Foundation
import SequiturCore
import SequiturCPU
import Testing

/// `allocatedBytes` counts owned buffers while they live, and not borrowed weight bytes.
@Suite struct MemoryAccountingTests {
    @Test func countsOwnedBuffers() throws {
        let backend = CPUBackend(threads: 1)
        let start = backend.allocatedBytes
        var activations: DeviceTensor? = try backend.makeActivations(rows: 10, columns: 100)
        #expect(backend.allocatedBytes == start + 4_000)
        activations = nil
        #expect(activations == nil && backend.allocatedBytes == start)
        // A quantised weight with an owner is borrowed, not copied.
        let weight = TestWeight(type: .q4_1, rows: 64, columns: 64, seed: 3)
        let uploaded = try backend.upload(weight.weight)
        #expect(backend.allocatedBytes == start && uploaded.type == .q4_1)
        var cache: KVCacheStorage? = try backend.makeKVCache(layers: 2, blockSize: 4, blockCapacity: 3, kvDimension: 5)
        // Keys and values, each a whole number of pages (the cache is a page mapping that grows in place).
        let page = Int(getpagesize()), floats = 2 * 4 * 3 * 5
        #expect(backend.allocatedBytes == start + 2 * ((floats * 4 + page - 1) / page * page))
        cache = try backend.growKVCache(cache!, blockCapacity: 3 + page)
        #expect(backend.allocatedBytes == start + 2 * ((2 * 4 * (3 + page) * 5 * 4 + page - 1) / page * page))
        cache = nil
        #expect(cache == nil && backend.allocatedBytes == start)
    }
}
