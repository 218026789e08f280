import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// What `GGUFWriter` writes, `GGUFFile` reads back unchanged: every metadata type, every tensor type, odd
/// shapes, non-default alignment, files on disk and in memory.
@Suite struct GGUFWriterRoundTripTests {
    static let everyMetadataType: [(String, GGUFValue)] = [
        ("t.uint8", .uint8(250)), ("t.int8", .int8(-7)), ("t.uint16", .uint16(65535)), ("t.int16", .int16(-32768)),
        ("t.uint32", .uint32(4_294_967_295)), ("t.int32", .int32(-5)), ("t.uint64", .uint64(.max)),
        ("t.int64", .int64(.min)), ("t.float32", .float32(-0.0)), ("t.float64", .float64(.pi)),
        ("t.bool.true", .bool(true)), ("t.bool.false", .bool(false)), ("t.string", .string("ünïcødé 🚀 \u{0}x")),
        ("t.empty", .string("")),
        ("a.uint8", .array(.uint8([0, 255]))), ("a.int8", .array(.int8([-128, 127]))),
        ("a.uint16", .array(.uint16([1, 65535]))), ("a.int16", .array(.int16([-1, 2]))),
        ("a.uint32", .array(.uint32([7]))), ("a.int32", .array(.int32([-2, 3, -4]))),
        ("a.uint64", .array(.uint64([.max, 0]))), ("a.int64", .array(.int64([.min, .max]))),
        ("a.float32", .array(.float32([1.5, -.infinity, 0x1p-149]))), ("a.float64", .array(.float64([1e300, -2]))),
        ("a.bool", .array(.bool([true, false, true]))), ("a.string", .array(.string(["", "Ġhello", "\n", "日本語"]))),
        ("a.empty", .array(.float32([]))),
        ("a.nested", .array(.array([.int32([1, 2]), .string(["x"]), .array([.bool([true]), .uint8([])])]))),
    ]

    @Test func everyMetadataTypeSurvives() throws {
        let writer = try GGUFWriter()
        for (key, value) in Self.everyMetadataType { try writer.addMetadata(key, value) }
        let file = try GGUFFile(bytes: try writer.serialized())
        #expect(file.version == 3)
        #expect(file.metadataKeys == Self.everyMetadataType.map(\.0))
        for (key, value) in Self.everyMetadataType {
            #expect(file.metadata[key] == value, "\(key)")
        }
        #expect(file.tensors.isEmpty)
        #expect(try file.array("a.nested").typeName == "array[array[int32]]")
    }

    @Test func typedAccessorsConvertAndExplainMismatches() throws {
        let writer = try GGUFWriter()
        for (key, value) in Self.everyMetadataType { try writer.addMetadata(key, value) }
        let file = try GGUFFile(bytes: try writer.serialized())
        #expect(try file.int("t.uint8") == 250)
        #expect(try file.int("t.int64") == Int.min)
        #expect(try file.float("t.int8") == -7)
        #expect(try file.double("t.float64") == .pi)
        #expect(try file.intArray("a.uint16") == [1, 65535])
        #expect(try file.floatArray("a.float64") == [1e300 as Double].map { Float($0) } + [-2])
        #expect(try file.stringArray("a.string")[1] == "Ġhello")
        #expect(try file.optionalInt("nope") == nil)
        #expect(try file.optionalStringArray("a.string")?.count == 4)

        let mismatch = #expect(throws: GGUFError.self) { try file.string("t.uint32") }
        #expect(mismatch?.description == "metadata 't.uint32': expected string, found uint32")
        let arrayMismatch = #expect(throws: GGUFError.self) { try file.stringArray("a.int32") }
        #expect(arrayMismatch?.description.contains("expected array[string], found array[int32]") == true)
        let missing = #expect(throws: GGUFError.self) { try file.int("llama.block_count") }
        #expect(missing?.description.contains("'llama.block_count' is missing") == true)
        let range = #expect(throws: GGUFError.self) { try file.intArray("a.uint64") }
        #expect(range?.description.contains("out of range") == true)
        #expect(throws: GGUFError.self) { try file.optionalBool("t.string") }
    }

    /// Random bytes for every tensor type, in shapes with 1 to 4 dimensions.
    @Test(arguments: TensorType.allCases)
    func everyTensorTypeSurvives(_ type: TensorType) throws {
        var generator = SplitMix64(seed: UInt64(type.rawValue) + 11)
        let shapes: [[Int]] = [[type.blockSize * 3], [type.blockSize * 5, 3], [type.blockSize, 7, 2], [type.blockSize * 2, 1, 3, 2]]
        let writer = try GGUFWriter(alignment: 64)
        var expected: [String: [UInt8]] = [:]
        for (index, shape) in shapes.enumerated() {
            let elements = shape.reduce(1, *)
            let bytes = (0..<(elements / type.blockSize * type.blockBytes)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let name = "t\(index).\(type)"
            try writer.addTensor(name: name, dimensions: shape, type: type, bytes: bytes)
            expected[name] = bytes
        }
        let file = try GGUFFile(bytes: try writer.serialized())
        #expect(file.alignment == 64)
        #expect(try file.int("general.alignment") == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensors.map(\.dimensions) == shapes)
        for info in file.tensors {
            #expect(info.type == type)
            #expect(info.offset % 64 == 0)
            #expect(Array(file.bytes(of: info)) == expected[info.name])
            let weight = try file.weight(named: info.name)
            #expect(weight.columns == info.dimensions[0])
            #expect(weight.rows * weight.columns == info.elementCount)
            #expect(weight.rows * weight.rowBytes == weight.bytes.count)
        }
    }

    @Test(arguments: Array(Quantization.supportedTypes).sorted { $0.rawValue < $1.rawValue })
    func quantisedTensorsDequantiseAsTheirBytesDo(_ type: TensorType) throws {
        var generator = SplitMix64(seed: 99)
        let dimensions = [32 * 3, 5]
        let values = (0..<(96 * 5)).map { _ in Float.random(in: -3...3, using: &generator) }
        let writer = try GGUFWriter()
        try writer.addTensor(name: "w", dimensions: dimensions, values: values, as: type)
        let file = try GGUFFile(bytes: try writer.serialized())
        let info = try file.requireTensor(named: "w")
        let decoded = try file.dequantize(info)
        let direct = try Dequantization.dequantize(type, bytes: file.bytes(of: info), count: values.count)
        #expect(decoded == direct)
        // Quantisation error is bounded by the type's resolution (and zero for F32).
        let tolerance: Float = [.f32: 0, .f16: 2e-3, .bf16: 2e-2, .q8_0: 3e-2][type] ?? 0.45
        let worst = zip(decoded, values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance, "\(type): worst error \(worst)")
    }

    @Test func filesOnDiskAreMappedAndOutliveTheirReaderThroughWeights() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-roundtrip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tiny.gguf")
        let values = (0..<(64 * 3)).map { Float($0) * 0.25 - 7 }
        let writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        try writer.addTensor(name: "w", dimensions: [64, 3], values: values, as: .f32)
        try writer.write(to: url)
        // Writing is atomic: no temporary file is left beside the result.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["tiny.gguf"])

        var weight: WeightTensor?
        do {
            let file = try GGUFFile(contentsOf: url)
            #expect(file.path == url.path)
            #expect(file.fileSize == (try writer.serialized()).count)
            weight = try file.weight(named: "w")
        }
        // The file object is gone from this scope; the weight's owner keeps the mapping alive.
        let kept = try #require(weight)
        #expect(kept.owner is GGUFFile)
        #expect(try Dequantization.dequantize(.f32, bytes: kept.bytes, count: 192) == values)
        #expect(throws: GGUFError.self) { try (kept.owner as! GGUFFile).weight(named: "missing") }
    }

    @Test func version2FilesRead() throws {
        let writer = try GGUFWriter()
        try writer.addMetadata("general.name", .string("v2"))
        try writer.addTensor(name: "x", dimensions: [4], values: [1, 2, 3, 4], as: .f32)
        var bytes = try writer.serialized()
        bytes[4] = 2
        let file = try GGUFFile(bytes: bytes)
        #expect(file.version == 2)
        #expect(try file.dequantize(file.requireTensor(named: "x")) == [1, 2, 3, 4])
    }

    @Test func vocabularyOnlyFilesRead() throws {
        let tokens = (0..<500).map { "tok\($0)" }
        let writer = try GGUFWriter()
        try writer.addMetadata("general.architecture", .string("llama"))
        try writer.addMetadata("tokenizer.ggml.model", .string("gpt2"))
        try writer.addMetadata("tokenizer.ggml.tokens", .array(.string(tokens)))
        try writer.addMetadata("tokenizer.ggml.token_type", .array(.int32(Array(repeating: 1, count: 500))))
        try writer.addMetadata("tokenizer.ggml.merges", .array(.string(["t o", "to k"])))
        try writer.addMetadata("tokenizer.ggml.bos_token_id", .uint32(1))
        let file = try GGUFFile(bytes: try writer.serialized())
        #expect(file.tensors.isEmpty)
        #expect(try file.stringArray("tokenizer.ggml.tokens") == tokens)
        #expect(try file.intArray("tokenizer.ggml.token_type").allSatisfy { $0 == 1 })
        #expect(try file.int("tokenizer.ggml.bos_token_id") == 1)
        #expect(GGUFSummary(file).tensorCount == 0)
    }

    @Test func writerRejectsInconsistentInput() throws {
        let writer = try GGUFWriter()
        try writer.addMetadata("k", .uint8(1))
        #expect(throws: GGUFError.self) { try writer.addMetadata("k", .uint8(2)) }
        #expect(throws: GGUFError.self) { try writer.addMetadata("general.alignment", .uint32(64)) }
        try writer.addTensor(name: "a", dimensions: [32], type: .q8_0, bytes: Array(repeating: 0, count: 34))
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "a", dimensions: [32], type: .q8_0, bytes: Array(repeating: 0, count: 34)) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "b", dimensions: [32], type: .q8_0, bytes: [0]) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "c", dimensions: [16], type: .q8_0, bytes: Array(repeating: 0, count: 17)) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "d", dimensions: [1, 1, 1, 1, 1], type: .f32, bytes: [0, 0, 0, 0]) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "e", dimensions: [0], type: .f32, bytes: []) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "f", dimensions: [2], values: [1], as: .f32) }
        let nonFinite = #expect(throws: GGUFError.self) {
            try writer.addTensor(name: "g", dimensions: [32], values: [.nan] + Array(repeating: 1, count: 31), as: .q4_0)
        }
        #expect(nonFinite?.description.contains("non-finite") == true)
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "h", dimensions: [256], values: Array(repeating: 1, count: 256), as: .q4_K) }
        #expect(throws: GGUFError.self) { try GGUFWriter(alignment: 48) }
        #expect(throws: GGUFError.self) { try GGUFWriter(alignment: 0) }
    }
}
