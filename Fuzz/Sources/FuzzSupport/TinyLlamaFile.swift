import Foundation
import Sequitur

/// Small llama GGUF files, written with the library's `GGUFWriter`, that load and run exactly as a real model
/// does (hyper-parameters, tensor names and types, tokenizer metadata, chat template). They seed the GGUF fuzz
/// target: each stays well under 64 KiB so that mutations reach every part of the file quickly.
public struct TinyLlamaFile: Sendable {
    public var layers: Int
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var heads: Int
    public var kvHeads: Int
    public var tiedOutputHead: Bool
    public var embeddingType: TensorType
    public var linearType: TensorType
    public var chatTemplate: String?

    /// F32 throughout, one layer, width 8, tied head: the smallest file that loads.
    public static let float32 = TinyLlamaFile(
        layers: 1, embeddingLength: 8, feedForwardLength: 16, heads: 2, kvHeads: 1, tiedOutputHead: true,
        embeddingType: .f32, linearType: .f32, chatTemplate: nil)

    /// The default model's types (Q8_0 embedding, Q4_1 linear layers), two layers, a separate Q8_0 head and
    /// the SmolLM2 chat template.
    public static let quantized = TinyLlamaFile(
        layers: 2, embeddingLength: 32, feedForwardLength: 64, heads: 4, kvHeads: 2, tiedOutputHead: false,
        embeddingType: .q8_0, linearType: .q4_1, chatTemplate: smolLM2ChatTemplate)

    /// The file's bytes; deterministic.
    public func bytes() throws -> [UInt8] {
        let writer = try GGUFWriter()
        let vocabulary = TinyVocabulary.contents
        let d = embeddingLength, kv = d / heads * kvHeads
        typealias K = LlamaMetadataKey
        var metadata: [(String, GGUFValue)] = [
            (K.architecture, .string("llama")),
            ("general.name", .string("sequitur-fuzz-tiny-llama")),
            (K.blockCount, .uint32(UInt32(layers))),
            (K.contextLength, .uint32(256)),
            (K.embeddingLength, .uint32(UInt32(d))),
            (K.feedForwardLength, .uint32(UInt32(feedForwardLength))),
            (K.headCount, .uint32(UInt32(heads))),
            (K.kvHeadCount, .uint32(UInt32(kvHeads))),
            (K.ropeBase, .float32(10000)),
            (K.rmsEpsilon, .float32(1e-5)),
            (K.vocabularySize, .uint32(UInt32(vocabulary.tokens.count))),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(.string(vocabulary.tokens))),
            ("tokenizer.ggml.token_type", .array(.int32(vocabulary.tokenTypes))),
            ("tokenizer.ggml.merges", .array(.string(vocabulary.merges))),
            ("tokenizer.ggml.bos_token_id", .uint32(UInt32(TinyVocabulary.bosToken))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(TinyVocabulary.eosToken))),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
        ]
        if let chatTemplate { metadata.append(("tokenizer.chat_template", .string(chatTemplate))) }
        for (key, value) in metadata { try writer.addMetadata(key, value) }

        typealias N = LlamaTensorName
        var random = SplitMix64(seed: 20_260_101)
        func add(_ name: String, rows: Int, columns: Int, type: TensorType, scale: Float, offset: Float = 0) throws {
            let values = (0..<rows * columns).map { _ in offset + scale * (2 * random.nextUnit() - 1) }
            try writer.addTensor(name: name, dimensions: rows == 1 ? [columns] : [columns, rows], values: values, as: type)
        }
        let vocabularySize = vocabulary.tokens.count
        try add(N.tokenEmbedding, rows: vocabularySize, columns: d, type: embeddingType, scale: 1)
        for layer in 0..<layers {
            let linear = (3 / Float(d)).squareRoot()
            try add(N.block(layer, .attentionNorm), rows: 1, columns: d, type: .f32, scale: 0.25, offset: 1)
            try add(N.block(layer, .query), rows: d, columns: d, type: linearType, scale: linear)
            try add(N.block(layer, .key), rows: kv, columns: d, type: linearType, scale: linear)
            try add(N.block(layer, .value), rows: kv, columns: d, type: linearType, scale: linear)
            try add(N.block(layer, .attentionOutput), rows: d, columns: d, type: linearType, scale: linear)
            try add(N.block(layer, .feedForwardNorm), rows: 1, columns: d, type: .f32, scale: 0.25, offset: 1)
            try add(N.block(layer, .gate), rows: feedForwardLength, columns: d, type: linearType, scale: linear)
            try add(N.block(layer, .up), rows: feedForwardLength, columns: d, type: linearType, scale: linear)
            try add(N.block(layer, .down), rows: d, columns: feedForwardLength, type: linearType,
                    scale: (3 / Float(feedForwardLength)).squareRoot())
        }
        if !tiedOutputHead {
            try add(N.outputHead, rows: vocabularySize, columns: d, type: embeddingType, scale: (3 / Float(d)).squareRoot())
        }
        try add(N.outputNorm, rows: 1, columns: d, type: .f32, scale: 0.25, offset: 1)
        return try writer.serialized()
    }

    /// A file with no model, only metadata of every GGUF value type (nested arrays included) and tensors of
    /// several types and ranks: seeds the parser's branches that model files never take.
    public static func metadataZoo() throws -> [UInt8] {
        let writer = try GGUFWriter(alignment: 64)   // recorded as general.alignment
        let values: [(String, GGUFValue)] = [
            ("general.architecture", .string("zoo")),
            ("zoo.uint8", .uint8(200)), ("zoo.int8", .int8(-100)), ("zoo.uint16", .uint16(60000)),
            ("zoo.int16", .int16(-30000)), ("zoo.uint32", .uint32(4_000_000_000)), ("zoo.int32", .int32(-2_000_000_000)),
            ("zoo.uint64", .uint64(UInt64.max)), ("zoo.int64", .int64(Int64.min)), ("zoo.float32", .float32(-0.5)),
            ("zoo.float64", .float64(1e300)), ("zoo.bool", .bool(true)), ("zoo.string", .string("é→日本")),
            ("zoo.array.uint8", .array(.uint8([1, 2, 3]))), ("zoo.array.int64", .array(.int64([-1, 0, 1]))),
            ("zoo.array.float64", .array(.float64([0.25, -2]))), ("zoo.array.bool", .array(.bool([true, false]))),
            ("zoo.array.string", .array(.string(["a", "", "b c"]))),
            ("zoo.array.nested", .array(.array([.int16([1, -1]), .array([.string(["deep"])])]))),
        ]
        for (key, value) in values { try writer.addMetadata(key, value) }
        try writer.addTensor(name: "f16.matrix", dimensions: [4, 2], values: (0..<8).map(Float.init), as: .f16)
        try writer.addTensor(name: "q4_0.row", dimensions: [32], values: (0..<32).map { Float($0) / 8 }, as: .q4_0)
        try writer.addTensor(name: "f32.cube", dimensions: [2, 2, 2], values: (0..<8).map(Float.init), as: .f32)
        return try writer.serialized()
    }
}
