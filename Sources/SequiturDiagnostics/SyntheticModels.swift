import Foundation
import SequiturCore
import SequiturCPU
import SequiturGGUF
import SequiturArchitectures

/// Random-weight llama GGUF files of a given shape, written with `GGUFWriter` from a fixed seed, with a
/// byte-level BPE vocabulary so they load exactly like a real model (hyperparameters, tensor names and types,
/// tokenizer metadata). Unit tests use `.tiny`; GPU benchmarks use `.smollm2_135m`, the default model's shape,
/// where the real 98 MB file cannot be carried.
///
/// ```swift
/// let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 7))
/// let model = try LlamaModel(file: file, backend: CPUBackend(threads: 2), vocabulary: ...)
/// ```
public enum SyntheticModels {
    /// The bytes of a GGUF file holding a random llama model of `shape`; the same seed gives the same bytes.
    /// `overriding` replaces (or adds) metadata values, for files that are wrong in one known way: a block count
    /// beyond the tensors, an architecture nobody registered, an implausible hyper-parameter. `patching` edits
    /// the named tensors (a NaN in a norm, a block scale or an embedding row, weights that overflow), for files
    /// whose weights are wrong.
    /// `extraTensors` adds F32 vectors the architecture does not read (tests of the loader's refusal).
    public static func llamaGGUF(_ shape: SyntheticLlamaShape, seed: UInt64,
                                 overriding: [String: GGUFValue] = [:],
                                 patching: [String: TensorPatch] = [:],
                                 extraTensors: [String: [Float]] = [:]) throws -> [UInt8] {
        let writer = try makeWriter(shape, seed: seed, overriding: overriding, patching: patching)
        for (name, values) in extraTensors.sorted(by: { $0.key < $1.key }) {
            try writer.addTensor(name: name, dimensions: [values.count], values: values, as: .f32)
        }
        return try writer.serialized()
    }

    /// Writes `llamaGGUF(shape, seed:, patching:)` to `url`.
    public static func writeLlamaGGUF(_ shape: SyntheticLlamaShape, seed: UInt64, to url: URL,
                                      patching: [String: TensorPatch] = [:]) throws {
        try makeWriter(shape, seed: seed, patching: patching).write(to: url)
    }

    /// An edit of one tensor: of its float values, row-major with `columns` per row, before quantisation; or
    /// of its stored bytes after (quantisation refuses non-finite values, so a NaN block scale is written here).
    public enum TensorPatch: Sendable {
        case values(@Sendable (_ values: inout [Float], _ columns: Int) -> Void)
        case bytes(@Sendable (_ bytes: inout [UInt8]) -> Void)
    }

    /// The tensors of `shape` in the default model's file order.
    static func tensorSpecs(_ shape: SyntheticLlamaShape) -> [SyntheticTensor] {
        let d = shape.embeddingLength, ffn = shape.feedForwardLength
        let kv = d / shape.heads * shape.kvHeads
        typealias N = LlamaTensorName
        var specs = [SyntheticTensor(name: N.tokenEmbedding, rows: shape.vocabularySize, columns: d,
                                     type: shape.embeddingType, kind: .embedding)]
        let a = shape.attentionTypes, f = shape.feedForwardTypes
        // Blocks in the lexicographic order of their numbers (0, 1, 10, 11, ...), as the real file has them.
        for l in (0..<shape.layers).sorted(by: { String($0) < String($1) }) {
            specs += [
                SyntheticTensor(name: N.block(l, .attentionNorm), rows: 1, columns: d, type: .f32, kind: .norm),
                SyntheticTensor(name: N.block(l, .down), rows: d, columns: ffn, type: f[2], kind: .linear),
                SyntheticTensor(name: N.block(l, .gate), rows: ffn, columns: d, type: f[0], kind: .linear),
                SyntheticTensor(name: N.block(l, .up), rows: ffn, columns: d, type: f[1], kind: .linear),
                SyntheticTensor(name: N.block(l, .feedForwardNorm), rows: 1, columns: d, type: .f32, kind: .norm),
                SyntheticTensor(name: N.block(l, .key), rows: kv, columns: d, type: a[1], kind: .linear),
                SyntheticTensor(name: N.block(l, .attentionOutput), rows: d, columns: d, type: a[3], kind: .linear),
                SyntheticTensor(name: N.block(l, .query), rows: d, columns: d, type: a[0], kind: .linear),
                SyntheticTensor(name: N.block(l, .value), rows: kv, columns: d, type: a[2], kind: .linear),
            ]
        }
        if !shape.tiedOutputHead {
            specs.append(SyntheticTensor(name: N.outputHead, rows: shape.vocabularySize, columns: d,
                                         type: shape.outputType, kind: .linear))
        }
        specs.append(SyntheticTensor(name: N.outputNorm, rows: 1, columns: d, type: .f32, kind: .norm))
        return specs
    }

    private static func makeWriter(_ shape: SyntheticLlamaShape, seed: UInt64,
                                   overriding: [String: GGUFValue] = [:],
                                   patching: [String: TensorPatch] = [:]) throws -> GGUFWriter {
        let writer = try GGUFWriter()
        let base = metadata(shape, seed: seed)
        for (key, value) in base { try writer.addMetadata(key, overriding[key] ?? value) }
        for (key, value) in overriding.sorted(by: { $0.key < $1.key }) where !base.contains(where: { $0.0 == key }) {
            try writer.addMetadata(key, value)
        }
        let specs = tensorSpecs(shape)
        if let unknown = patching.keys.sorted().first(where: { name in !specs.contains { $0.name == name } }) {
            throw SyntheticModelError.noSuchTensor(unknown)
        }
        let data = try tensorData(specs, seed: seed, patching: patching)
        for (spec, bytes) in zip(specs, data) {
            try writer.addTensor(name: spec.name, dimensions: spec.rows == 1 ? [spec.columns] : [spec.columns, spec.rows],
                                 type: spec.type, bytes: bytes)
        }
        return writer
    }

    private static func metadata(_ shape: SyntheticLlamaShape, seed: UInt64) -> [(String, GGUFValue)] {
        var random = SplitMix64(seed: seed ^ 0x766F_6361_6275_6C61)   // vocabulary stream, apart from weights
        let vocabulary = SyntheticVocabulary(size: shape.vocabularySize, random: &random)
        typealias K = LlamaMetadataKey
        return [
            (K.architecture, .string(LlamaArchitecture.plugin.name)),
            ("general.name", .string("sequitur-synthetic-llama-seed\(seed)")),
            (K.blockCount, .uint32(UInt32(shape.layers))),
            (K.contextLength, .uint32(UInt32(shape.contextLength))),
            (K.embeddingLength, .uint32(UInt32(shape.embeddingLength))),
            (K.feedForwardLength, .uint32(UInt32(shape.feedForwardLength))),
            (K.headCount, .uint32(UInt32(shape.heads))),
            (K.kvHeadCount, .uint32(UInt32(shape.kvHeads))),
            (K.ropeBase, .float32(shape.ropeBase)),
            (K.rmsEpsilon, .float32(shape.rmsEpsilon)),
            (K.vocabularySize, .uint32(UInt32(shape.vocabularySize))),
            (K.ropeDimension, .uint32(UInt32(shape.embeddingLength / shape.heads))),
            ("tokenizer.ggml.add_space_prefix", .bool(false)),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(.string(vocabulary.tokens))),
            ("tokenizer.ggml.token_type", .array(.int32(vocabulary.tokenTypes))),
            ("tokenizer.ggml.merges", .array(.string(vocabulary.merges))),
            ("tokenizer.ggml.bos_token_id", .uint32(SyntheticVocabulary.bosToken)),
            ("tokenizer.ggml.eos_token_id", .uint32(SyntheticVocabulary.eosToken)),
            ("tokenizer.ggml.unknown_token_id", .uint32(0)),
            ("tokenizer.ggml.padding_token_id", .uint32(SyntheticVocabulary.eosToken)),
        ]
    }

    /// Every tensor's random values, quantised to its type. Tensors are generated in parallel, each from its
    /// own stream (seed and tensor index), so the result does not depend on the thread count.
    private static func tensorData(_ specs: [SyntheticTensor], seed: UInt64,
                                   patching: [String: TensorPatch]) throws -> [[UInt8]] {
        let results = SyntheticResults(count: specs.count)
        DispatchQueue.concurrentPerform(iterations: specs.count) { i in
            var random = SplitMix64(seed: seed &+ UInt64(i) &* 0x2545_F491_4F6C_DD1D)
            var values = specs[i].values(&random)
            let patch = patching[specs[i].name]
            if case let .values(edit)? = patch { edit(&values, specs[i].columns) }
            results.store(i, Result {
                var bytes = try Quantization.quantize(values, to: specs[i].type)
                if case let .bytes(edit)? = patch { edit(&bytes) }
                return bytes
            })
        }
        return try results.values.map { try $0!.get() }
    }
}

/// Why a synthetic model could not be written.
public enum SyntheticModelError: Error, CustomStringConvertible, Equatable {
    case noSuchTensor(String)

    public var description: String {
        switch self {
        case let .noSuchTensor(name): return "a synthetic llama model has no tensor '\(name)' to patch"
        }
    }
}

/// One tensor of a synthetic model and how its random values are scaled.
struct SyntheticTensor {
    enum Kind { case embedding, linear, norm }
    let name: String
    let rows: Int
    let columns: Int
    let type: TensorType
    let kind: Kind

    /// Values with the scale a trained model roughly has: unit-variance outputs for linear layers, norms near
    /// one, embeddings of moderate size, so activations stay well conditioned through many layers.
    func values(_ random: inout SplitMix64) -> [Float] {
        let count = rows * columns
        switch kind {
        case .norm:
            return (0..<count).map { _ in 1 + 0.25 * random.nextSignedUnit() }
        case .embedding:
            return (0..<count).map { _ in random.nextSignedUnit() }
        case .linear:
            let scale = (3 / Float(columns)).squareRoot()
            return (0..<count).map { _ in scale * random.nextSignedUnit() }
        }
    }
}

/// Per-tensor results filled in by `concurrentPerform`.
/// @unchecked Sendable: each iteration writes only its own index, under a lock, and `values` is read after
/// `concurrentPerform` has returned.
private final class SyntheticResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<[UInt8], any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func store(_ i: Int, _ result: Result<[UInt8], any Error>) {
        lock.lock()
        values[i] = result
        lock.unlock()
    }
}
