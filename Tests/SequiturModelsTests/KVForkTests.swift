import SequiturCore
import SequiturCPU
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// Forks share their prefix's KV blocks: nothing is copied or recomputed except the partly filled last block,
/// and a fork continues exactly as a fresh sequence with the same tokens would.
@Suite struct KVForkTests {
    @Test func sixtyFourForksShareAThousandTokenPrefix() throws {
        let file = try TinyLlama.file(seed: 21)
        let model = try TinyLlama.model(file, kvBlockSize: 16)
        let pool = model.kvPool
        let prefix = TinyLlama.tokens(1000, seed: 9)
        let root = model.makeState() as! LlamaSequenceState
        _ = try model.extend([ExtensionRequest(state: root, tokens: prefix, lastQuery: nil)])
        let prefixBlocks = (1000 + 15) / 16                                    // 63, the last one half full
        #expect(root.blockTable.blocks.count == prefixBlocks && pool.blocksInUse == prefixBlocks)

        let forks = (0..<64).map { _ in root.fork() as! LlamaSequenceState }
        #expect(pool.blocksInUse == prefixBlocks, "forking copies no block")
        #expect(root.blockTable.blocks.allSatisfy { pool.referenceCount(of: $0) == 65 })
        #expect(model.processedTokenCount == 1000)

        let next = (0..<64).map { TokenID(3 + $0) }
        let results = try model.extend(zip(forks, next).map {
            ExtensionRequest(state: $0, tokens: [$1], lastQuery: .full)
        })
        #expect(pool.copiedBlockCount == 64, "each fork copied only the shared partial block")
        #expect(pool.blocksInUse == prefixBlocks + 64)
        #expect(model.processedTokenCount == 1000 + 64, "the prefix was not recomputed")
        for f in forks {
            #expect(f.blockTable.blocks.dropLast() == root.blockTable.blocks.dropLast())
            #expect(f.blockTable.blocks.last != root.blockTable.blocks.last)
        }
        // Swift may release `forks` right after its last use above; keep them alive through the count checks.
        withExtendedLifetime(forks) {
            #expect(root.blockTable.blocks.dropLast().allSatisfy { pool.referenceCount(of: $0) == 65 })
            #expect(pool.referenceCount(of: root.blockTable.blocks.last!) == 1)
        }

        // A fork's continuation is bitwise the fresh computation of the same 1,001 tokens.
        let fresh = model.makeState()
        let r = try model.extend([ExtensionRequest(state: fresh, tokens: prefix + [next[63]], lastQuery: .full)])[0]
        #expect(r.last == results[63].last, "a fork differs from a fresh sequence")
    }

    /// A prefix fork (what speculative decoding keeps after rejecting drafts) shares the blocks of the kept
    /// positions, recomputes nothing, and continues bitwise as a fresh sequence of the same tokens; the state it
    /// came from is untouched.
    @Test func aPrefixForkContinuesAsAFreshSequence() throws {
        let model = try TinyLlama.model(try TinyLlama.file(seed: 23), kvBlockSize: 4)
        let tokens = TinyLlama.tokens(14, seed: 5)
        let full = model.makeState() as! LlamaSequenceState
        _ = try model.extend([ExtensionRequest(state: full, tokens: tokens)])
        for keep in [0, 4, 9, 14] {
            let before = model.processedTokenCount
            let prefix = full.fork(keepingFirst: keep) as! LlamaSequenceState
            #expect(prefix.tokens == Array(tokens.prefix(keep)))
            #expect(prefix.blockTable.blocks == Array(full.blockTable.blocks.prefix((keep + 3) / 4)))
            let tail: [TokenID] = [9, 4, 7]
            let continued = try model.extend([ExtensionRequest(state: prefix, tokens: tail, queries: [.full, .full, .full])])[0]
            #expect(model.processedTokenCount == before + 3, "the kept prefix was recomputed")
            let fresh = try model.extend([ExtensionRequest(state: model.makeState(), tokens: Array(tokens.prefix(keep)) + tail,
                                                           queries: Array(repeating: nil, count: keep) + [.full, .full, .full])])[0]
            #expect(continued.answers.map { $0! } == fresh.answers.suffix(3).map { $0! }, "keeping \(keep)")
        }
        // The original still continues as the fresh 15-token sequence.
        let next = try model.extend([ExtensionRequest(state: full, tokens: [11], lastQuery: .full)])[0].last
        let fresh = try model.extend([ExtensionRequest(state: model.makeState(), tokens: tokens + [11], lastQuery: .full)])[0].last
        #expect(next == fresh)
    }

    @Test func blocksAreFreedWhenTheLastHolderGoes() throws {
        let model = try TinyLlama.model(try TinyLlama.file(seed: 22), kvBlockSize: 4)
        let pool = model.kvPool
        var root: SequenceState? = model.makeState()
        _ = try model.extend([ExtensionRequest(state: root!, tokens: TinyLlama.tokens(10, seed: 1))])
        var fork: SequenceState? = root!.fork()
        _ = try model.extend([ExtensionRequest(state: fork!, tokens: [7, 8, 9])])
        #expect(pool.blocksInUse == 3 + 2, "root: 3 blocks; fork: a copy of the partial block and one more")

        root = nil
        #expect(pool.blocksInUse == 4, "the fork still holds the two full prefix blocks and its own two")
        fork = nil
        #expect(pool.blocksInUse == 0)
    }

    @Test func writingAtABlockBoundaryCopiesNothing() throws {
        let model = try TinyLlama.model(try TinyLlama.file(seed: 23), kvBlockSize: 4)
        let root = model.makeState()
        _ = try model.extend([ExtensionRequest(state: root, tokens: TinyLlama.tokens(8, seed: 1))])
        let a = root.fork(), b = root.fork()
        _ = try model.extend([ExtensionRequest(state: a, tokens: [1, 2]), ExtensionRequest(state: b, tokens: [3])])
        #expect(model.kvPool.copiedBlockCount == 0, "full shared blocks are never written")
        #expect(model.kvPool.blocksInUse == 2 + 2)
    }

    @Test func statesOutliveTheirModel() throws {
        var model: LlamaModel? = try TinyLlama.model(try TinyLlama.file(seed: 24))
        let state = model!.makeState()
        _ = try model!.extend([ExtensionRequest(state: state, tokens: [1, 2, 3])])
        let pool = model!.kvPool
        model = nil
        #expect(pool.blocksInUse == 1, "the state keeps the pool alive")
        _ = state.fork()
        #expect(pool.blocksInUse == 1)
    }
}
