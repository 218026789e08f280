import SequiturCore

/// The llama architecture (RMSNorm, RoPE, grouped-query attention, SwiGLU, tied or separate output head),
/// written once over `any Backend`: the model says what to compute, the backend how.
///
/// Weights are uploaded once at init. Sequences keep their keys and values in a paged cache (`KVBlockPool`)
/// whose blocks forks share copy-on-write. `extend` runs every request of a batch (prefills and one-token
/// decode steps mixed) through the same forward passes and sends only the queried positions through the final
/// norm and the output head.
///
/// ```swift
/// let model = try LlamaModel(file: gguf, backend: CPUBackend(threads: 2), vocabulary: tokenizer)
/// let state = model.makeState()
/// let next = try model.extend([ExtensionRequest(state: state, tokens: prompt)])[0].last!.argmax
/// ```
public final class LlamaModel: LanguageModel {
    public let hyperparameters: LlamaHyperparameters
    public let vocabulary: any Vocabulary
    public let backend: any Backend
    /// The KV cache blocks of every state this model made.
    public let kvPool: KVBlockPool
    /// The most new tokens one forward pass processes; longer batches run as several passes, which bounds
    /// activation memory and does not change any result.
    public let maxTokensPerForward: Int
    /// The most positions sent through the output head at once (each costs a vocabulary-wide logits row).
    public let maxHeadRows: Int
    public internal(set) var processedTokenCount = 0
    /// The longest sequence this model computes exactly (`LlamaHyperparameters.exactContextLength`: Phi-3's
    /// sliding window caps it).
    public var contextLength: Int { hyperparameters.exactContextLength }

    let weights: LlamaWeights
    var scratch = ScratchCache<LlamaScratch>(limit: 4)
    var headScratch = ScratchCache<LlamaHeadScratch>(limit: 4)

    /// A model from hyperparameters and a tensor lookup (`lookup` returns nil for a tensor the file lacks).
    public init(hyperparameters: LlamaHyperparameters, backend: any Backend, vocabulary: any Vocabulary,
                kvBlockSize: Int = 4, maxTokensPerForward: Int = 512, maxHeadRows: Int = 64,
                weight lookup: (String) throws -> WeightTensor?) throws {
        precondition(kvBlockSize > 0 && maxTokensPerForward > 0 && maxHeadRows > 0,
                     "block size and pass sizes must be positive")
        self.hyperparameters = hyperparameters
        self.vocabulary = vocabulary
        self.backend = backend
        self.maxTokensPerForward = maxTokensPerForward
        self.maxHeadRows = maxHeadRows
        weights = try LlamaWeights(hyperparameters: hyperparameters, backend: backend, lookup: lookup)
        // Room for 512 tokens to start with; the pool grows by half when sequences need more.
        kvPool = try KVBlockPool(backend: backend, layers: hyperparameters.layerCount,
                                 kvDimension: hyperparameters.kvDimension, blockSize: kvBlockSize,
                                 initialBlocks: max(4, (512 + kvBlockSize - 1) / kvBlockSize))
    }

    public func makeState() -> SequenceState { LlamaSequenceState(pool: kvPool) }
}

extension LlamaModel: KVCacheManaging {
    public var kvCacheUsage: KVCacheUsage {
        let storage = kvPool.storage
        // Keys and values of every layer, float32 on both backends.
        let bytesPerBlock = storage.layerCount * storage.blockSize * storage.kvDimension * 2 * MemoryLayout<Float>.size
        return KVCacheUsage(blocksInUse: kvPool.blocksInUse, blockCapacity: kvPool.capacity, blockSize: kvPool.blockSize,
                            bytesPerBlock: bytesPerBlock)
    }

    /// Also drops the activation buffers kept for the last few batch sizes: after a burst of large merged
    /// passes they would otherwise hold tens of MB until four other sizes displace them.
    public func releaseIdleMemory() throws -> Bool {
        scratch = ScratchCache(limit: 4)
        headScratch = ScratchCache(limit: 4)
        return try kvPool.shrinkIfIdle()
    }
}
