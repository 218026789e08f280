import SequiturCore
import SequiturCPU
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// Reference counting, copy-on-write and growth of the KV block pool, on its own.
@Suite struct KVBlockPoolTests {
    private func pool(blocks: Int = 3) throws -> KVBlockPool {
        try KVBlockPool(backend: CPUBackend(threads: 1), layers: 2, kvDimension: 8, blockSize: 4, initialBlocks: blocks)
    }

    @Test func countsHoldersAndRecyclesBlocks() throws {
        let p = try pool()
        let a = try p.allocate(), b = try p.allocate()
        #expect(a != b && p.blocksInUse == 2)
        p.retain(a)
        #expect(p.referenceCount(of: a) == 2)
        p.release(a)
        #expect(p.referenceCount(of: a) == 1 && p.blocksInUse == 2)
        p.release(a)
        #expect(p.referenceCount(of: a) == 0 && p.blocksInUse == 1)
        #expect(try p.allocate() == a, "a freed block is reused before the pool grows")
        #expect(p.capacity == 3)
    }

    @Test func growsByHalfWhenFull() throws {
        let p = try pool(blocks: 3)
        let blocks = try (0..<7).map { _ in try p.allocate() }
        #expect(Set(blocks).count == 7)
        #expect(p.capacity == 9, "3 → 4 → 6 → 9")
        #expect(p.storage.blockCapacity == 9)
        #expect(p.blocksInUse == 7)
    }

    @Test func copiesOnlySharedBlocksBeforeWriting() throws {
        let p = try pool()
        let a = try p.allocate()
        #expect(try p.makeWritable(a) == a && p.copiedBlockCount == 0, "a sole holder writes in place")
        p.retain(a)
        let copy = try p.makeWritable(a)
        #expect(copy != a && p.copiedBlockCount == 1)
        #expect(p.referenceCount(of: a) == 1 && p.referenceCount(of: copy) == 1)
    }

    @Test func blockTablesReleaseTheirBlocks() throws {
        let p = try pool(blocks: 4)
        do {
            let t = BlockTable(pool: p)
            try t.prepareToWrite(from: 0, to: 10)                    // 3 blocks of 4
            #expect(t.blocks.count == 3 && p.blocksInUse == 3)
            let shared = BlockTable(sharing: t)
            #expect(t.blocks.allSatisfy { p.referenceCount(of: $0) == 2 })
            try shared.prepareToWrite(from: 10, to: 13)               // copies block 2, adds block 3
            #expect(p.copiedBlockCount == 1 && p.blocksInUse == 5)
            #expect(shared.blocks[0...1] == t.blocks[0...1] && shared.blocks[2] != t.blocks[2])
            #expect(shared.slot(of: 13 - 1) == shared.blocks[3] * 4)
        }
        #expect(p.blocksInUse == 0, "tables gone, blocks free")
    }
}
