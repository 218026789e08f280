import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// Corrupt, truncated and crafted files are rejected with an error that says what and where; none crashes,
/// hangs or allocates much.
@Suite struct GGUFCorruptionTests {
    /// A small valid file whose last tensor ends exactly at the end of the file (no trailing padding), so
    /// that every strict prefix of it is missing something.
    static let valid: [UInt8] = {
        let writer = try! GGUFWriter()
        try! writer.addMetadata("general.architecture", .string("llama"))
        try! writer.addMetadata("tokenizer.ggml.tokens", .array(.string(["a", "bb", "Ġccc"])))
        try! writer.addMetadata("test.nested", .array(.array([.int32([1, 2]), .float32([0.5])])))
        try! writer.addMetadata("test.flag", .bool(true))
        try! writer.addMetadata("test.eps", .float32(1e-5))
        try! writer.addTensor(name: "tensor.q8", dimensions: [32, 2], values: (0..<64).map { Float($0) - 20 }, as: .q8_0)
        try! writer.addTensor(name: "tensor.q41", dimensions: [32], values: (0..<32).map { Float($0) / 7 }, as: .q4_1)
        try! writer.addTensor(name: "tensor.f32", dimensions: [8], values: (0..<8).map { Float($0) }, as: .f32)
        return try! writer.serialized()
    }()

    /// Byte offset of the tensor-info record of `name` (at its name's length prefix).
    static func tensorInfoOffset(_ name: String, in bytes: [UInt8]) -> Int {
        var needle = RawGGUF()
        needle.string(name)
        let pattern = needle.bytes
        for start in 0...(bytes.count - pattern.count) where Array(bytes[start..<(start + pattern.count)]) == pattern {
            return start
        }
        fatalError("tensor info for \(name) not found in test file")
    }

    /// Offsets of the fields of the one-dimensional or two-dimensional tensor `name`.
    static func fields(of name: String, dimensions: Int, in bytes: [UInt8]) -> (dimensionCount: Int, firstDimension: Int, type: Int, offset: Int) {
        let start = tensorInfoOffset(name, in: bytes) + 8 + name.utf8.count
        return (start, start + 4, start + 4 + 8 * dimensions, start + 4 + 8 * dimensions + 4)
    }

    static func patch<T: FixedWidthInteger>(_ bytes: inout [UInt8], at offset: Int, _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + MemoryLayout<T>.size), with: $0) }
    }

    /// Parses `bytes`, expecting a `GGUFError`; returns it.
    static func failure(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> GGUFError? {
        do {
            _ = try GGUFFile(bytes: bytes)
            Issue.record("parsed a corrupt file", sourceLocation: sourceLocation)
            return nil
        } catch let error as GGUFError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    @Test func theBaseFileIsValid() throws {
        let file = try GGUFFile(bytes: Self.valid)
        #expect(file.tensors.count == 3)
        let last = try file.requireTensor(named: "tensor.f32")
        #expect(file.dataOffset + last.offset + last.byteCount == Self.valid.count)
    }

    @Test func everyTruncationThrowsAndSaysWhere() {
        for length in 0..<Self.valid.count {
            guard let error = Self.failure(Array(Self.valid.prefix(length))) else {
                Issue.record("truncation to \(length) of \(Self.valid.count) bytes parsed")
                return
            }
            if length == 0 {
                #expect(error == .emptyFile)
            } else if !(error.description.contains("truncated") && error.description.contains("offset")) {
                Issue.record("truncation to \(length) bytes: \(error)")
                return
            }
        }
    }

    @Test func randomByteCorruptionNeverCrashes() throws {
        var generator = SplitMix64(seed: 0xC0FFEE)
        var rejected = 0
        let trials = 3000
        for _ in 0..<trials {
            var bytes = Self.valid
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[position] ^= UInt8.random(in: 1...255, using: &generator)
            }
            do {
                let file = try GGUFFile(bytes: bytes)
                // Whatever parsed must be usable: every value and every tensor's data can be read.
                for key in file.metadataKeys { _ = file.metadata[key]!.description }
                for info in file.tensors where Dequantization.isSupported(info.type) {
                    _ = try file.dequantize(info)
                }
            } catch is GGUFError {
                rejected += 1
            }
        }
        // Most flips land in the header or change a size; tensor-data flips parse fine.
        #expect(rejected > trials / 10)
    }

    @Test func wrongMagicSaysWhatWasFound() {
        var bytes = Self.valid
        bytes.replaceSubrange(0..<4, with: Array("GGML".utf8))
        let error = Self.failure(bytes)
        #expect(error == .badMagic(found: Array("GGML".utf8)))
        #expect(error?.description.contains("found 'GGML'") == true)
        #expect(Self.failure(Array("PK\u{3}\u{4} not a gguf".utf8))?.description.contains("magic") == true)
    }

    @Test func versionsOtherThanTwoAndThreeAreRejected() {
        var bytes = Self.valid
        bytes[4] = 1
        #expect(Self.failure(bytes)?.description.contains("version 1") == true)
        bytes[4] = 4
        #expect(Self.failure(bytes) == .unsupportedVersion(4))
        Self.patch(&bytes, at: 4, UInt32(3).byteSwapped)
        #expect(Self.failure(bytes)?.description.contains("big-endian") == true)
    }

    @Test func absurdTensorCountIsRejectedBeforeAllocating() {
        var bytes = Self.valid
        Self.patch(&bytes, at: 8, UInt64(1) << 63)
        let error = Self.failure(bytes)
        #expect(error?.description.contains("tensor count 9223372036854775808 at byte offset 8") == true)
        Self.patch(&bytes, at: 8, UInt64(3))
        Self.patch(&bytes, at: 16, UInt64.max)
        #expect(Self.failure(bytes)?.description.contains("metadata entry count") == true)
    }

    @Test func absurdArrayLengthsAreRejectedBeforeAllocating() {
        for elementType in GGUFValueType.allCases {
            var raw = RawGGUF.header(tensors: 0, entries: 1)
            raw.string("huge")
            raw.u32(GGUFValueType.array.rawValue)
            raw.u32(elementType.rawValue)
            raw.u64(1 << 40)
            raw.bytes += Array(repeating: 0, count: 64)
            let error = Self.failure(raw.bytes)
            #expect(error?.description.contains("array length 1099511627776 at byte offset 44") == true, "\(elementType): \(String(describing: error))")
        }
        // The same inside a nested array.
        var raw = RawGGUF.header(tensors: 0, entries: 1)
        raw.string("nested")
        raw.u32(GGUFValueType.array.rawValue)
        raw.u32(GGUFValueType.array.rawValue)
        raw.u64(2)
        raw.u32(GGUFValueType.uint8.rawValue)
        raw.u64(1)
        raw.bytes.append(7)
        raw.u32(GGUFValueType.string.rawValue)
        raw.u64(1 << 40)
        #expect(Self.failure(raw.bytes)?.description.contains("array length 1099511627776") == true)
    }

    @Test func metadataElementBudgetCoversNestedArrays() throws {
        let writer = try GGUFWriter()
        try writer.addMetadata("a", .array(.array([.int32(Array(repeating: 1, count: 40)), .int32(Array(repeating: 2, count: 40))])))
        let bytes = try writer.serialized()
        // 2 outer + 80 inner elements.
        #expect(try GGUFFile(bytes: bytes, limits: GGUFReadLimits(maximumMetadataElements: 82)).metadata.count == 1)
        let error = #expect(throws: GGUFError.self) {
            try GGUFFile(bytes: bytes, limits: GGUFReadLimits(maximumMetadataElements: 81))
        }
        #expect(error?.description.contains("limit of 81 array elements") == true)
        let shallow = #expect(throws: GGUFError.self) {
            try GGUFFile(bytes: bytes, limits: GGUFReadLimits(maximumArrayDepth: 1))
        }
        #expect(shallow?.description.contains("nested more than 1 deep") == true)
    }

    @Test func stringLengthsPastTheEndAreRejected() {
        var raw = RawGGUF.header(tensors: 0, entries: 1)
        raw.u64(1 << 62)
        raw.bytes += Array(repeating: UInt8(ascii: "k"), count: 16)
        #expect(Self.failure(raw.bytes)?.description.contains("string length 4611686018427387904 at byte offset 24") == true)

        var value = RawGGUF.header(tensors: 0, entries: 1)
        value.string("k")
        value.u32(GGUFValueType.string.rawValue)
        value.u64(6)
        value.bytes += Array("five!".utf8)
        let error = Self.failure(value.bytes)
        #expect(error?.description.contains("string length 6") == true)
        #expect(error?.description.contains("'k'") == true)
    }

    @Test func emptyFilesAreRejected() throws {
        #expect(Self.failure([]) == .emptyFile)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString).gguf")
        #expect(FileManager.default.createFile(atPath: url.path, contents: Data()))
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: GGUFError.self) { try GGUFFile(contentsOf: url) }
        #expect(error?.withoutPath == .emptyFile)
        #expect(error?.description.contains(url.path) == true)
        let missing = #expect(throws: GGUFError.self) { try GGUFFile(contentsOf: url.appendingPathExtension("missing")) }
        #expect(missing?.description.contains("No such file") == true)
        let directory = #expect(throws: GGUFError.self) { try GGUFFile(contentsOf: FileManager.default.temporaryDirectory) }
        #expect(directory?.description.contains("not a regular file") == true)
    }

    @Test func unknownTensorTypesAreRejected() {
        for id in [UInt32(4), 5, 16, 29, 99, .max] {
            var bytes = Self.valid
            let fields = Self.fields(of: "tensor.q41", dimensions: 1, in: bytes)
            Self.patch(&bytes, at: fields.type, id)
            let error = Self.failure(bytes)
            #expect(error == .unknownTensorType(tensor: "tensor.q41", id: id, offset: fields.type))
            #expect(error?.description.contains("tensor 'tensor.q41'") == true)
        }
    }

    @Test func tensorDataPastTheEndIsRejected() {
        var bytes = Self.valid
        let fields = Self.fields(of: "tensor.f32", dimensions: 1, in: bytes)
        Self.patch(&bytes, at: fields.offset, UInt64(1 << 20))
        #expect(Self.failure(bytes)?.description.contains("tensor 'tensor.f32': data (32 bytes at byte offset") == true)
        Self.patch(&bytes, at: fields.offset, UInt64.max - 31)
        #expect(Self.failure(bytes)?.description.contains("past the end") == true)
        // Growing a dimension makes the data run past the end too.
        var grown = Self.valid
        Self.patch(&grown, at: fields.firstDimension, UInt64(9))
        #expect(Self.failure(grown)?.description.contains("extends past the end") == true)
    }

    @Test func misalignedAndOverlappingTensorsAreRejected() {
        var bytes = Self.valid
        let fields = Self.fields(of: "tensor.f32", dimensions: 1, in: bytes)
        Self.patch(&bytes, at: fields.offset, UInt64(8))
        #expect(Self.failure(bytes) == .misalignedTensor(tensor: "tensor.f32", offset: 8, alignment: 32))
        Self.patch(&bytes, at: fields.offset, UInt64(0))
        #expect(Self.failure(bytes)?.description.contains("overlapping") == true)
    }

    @Test func badDimensionsAreRejected() {
        let q8 = Self.fields(of: "tensor.q8", dimensions: 2, in: Self.valid)
        var tooMany = Self.valid
        Self.patch(&tooMany, at: q8.dimensionCount, UInt32(5))
        #expect(Self.failure(tooMany)?.description.contains("5 dimensions") == true)

        var zero = Self.valid
        Self.patch(&zero, at: q8.firstDimension + 8, UInt64(0))
        #expect(Self.failure(zero) == .invalidDimension(tensor: "tensor.q8", index: 1, value: 0, offset: q8.firstDimension + 8))

        var negative = Self.valid
        Self.patch(&negative, at: q8.firstDimension + 8, UInt64(1) << 63)
        #expect(Self.failure(negative)?.description.contains("dimension 1 is 9223372036854775808") == true)

        var overflow = Self.valid
        Self.patch(&overflow, at: q8.firstDimension, UInt64(1) << 40)
        Self.patch(&overflow, at: q8.firstDimension + 8, UInt64(1) << 40)
        #expect(Self.failure(overflow)?.description.contains("overflows") == true)

        var partialBlock = Self.valid
        Self.patch(&partialBlock, at: q8.firstDimension, UInt64(48))
        #expect(Self.failure(partialBlock) == .rowNotWholeBlocks(tensor: "tensor.q8", columns: 48, type: .q8_0))
    }

    @Test func duplicateNamesAreRejected() {
        var bytes = Self.valid
        // Rename tensor.q41 to tensor.f32 (same length: "q41" -> "f32").
        let start = Self.tensorInfoOffset("tensor.q41", in: bytes) + 8
        bytes.replaceSubrange(start..<(start + 10), with: Array("tensor.f32".utf8))
        #expect(Self.failure(bytes)?.description.contains("duplicate tensor name 'tensor.f32'") == true)

        var raw = RawGGUF.header(tensors: 0, entries: 2)
        for _ in 0..<2 {
            raw.string("k")
            raw.u32(GGUFValueType.uint8.rawValue)
            raw.bytes.append(1)
        }
        #expect(Self.failure(raw.bytes) == .duplicateKey("k", offset: 24 + 14))
    }

    @Test func malformedValuesAreRejected() {
        func entry(_ build: (inout RawGGUF) -> Void) -> GGUFError? {
            var raw = RawGGUF.header(tensors: 0, entries: 1)
            build(&raw)
            raw.bytes += Array(repeating: 0, count: 16)
            return Self.failure(raw.bytes)
        }
        #expect(entry { $0.u64(2); $0.bytes += [0xFF, 0xFE]; $0.u32(0); $0.bytes.append(0) }?.description.contains("invalid UTF-8") == true)
        let badElement = entry { raw in
            raw.string("tokenizer.ggml.tokens")
            raw.u32(GGUFValueType.array.rawValue)
            raw.u32(GGUFValueType.string.rawValue)
            raw.u64(2)
            raw.string("ok")
            raw.u64(3)
            raw.bytes += [0x61, 0xC3, 0x28]  // 0xC3 must be followed by a continuation byte
        }
        #expect(badElement?.description == "invalid UTF-8 in element 1 of array 'tokenizer.ggml.tokens' at byte offset 87")  // 24 + 8 + 21 + 4 + 4 + 8 + 10 + 8
        #expect(entry { $0.string("k"); $0.u32(13) }?.description.contains("unknown metadata value type 13") == true)
        #expect(entry { $0.string("k"); $0.u32(GGUFValueType.bool.rawValue); $0.bytes.append(2) }?.description.contains("invalid bool byte 2") == true)
        let deep = entry { raw in
            raw.string("deep")
            raw.u32(GGUFValueType.array.rawValue)
            for _ in 0..<40 {
                raw.u32(GGUFValueType.array.rawValue)
                raw.u64(1)
            }
        }
        #expect(deep?.description.contains("nested more than 8 deep") == true)
        #expect(entry { $0.string("general.alignment"); $0.u32(GGUFValueType.uint32.rawValue); $0.u32(3) } == .invalidAlignment("3"))
        #expect(entry { $0.string("general.alignment"); $0.u32(GGUFValueType.uint32.rawValue); $0.u32(0) } == .invalidAlignment("0"))
        #expect(entry { $0.string("general.alignment"); $0.u32(GGUFValueType.string.rawValue); $0.string("32") }?.description.contains("general.alignment") == true)
    }
}

/// Hand-built GGUF bytes, for files the writer refuses to make.
struct RawGGUF {
    var bytes: [UInt8] = []

    /// Magic, version 3, and the two counts.
    static func header(tensors: UInt64, entries: UInt64) -> RawGGUF {
        var raw = RawGGUF()
        raw.bytes = Array("GGUF".utf8)
        raw.u32(3)
        raw.u64(tensors)
        raw.u64(entries)
        return raw
    }

    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func string(_ value: String) {
        u64(UInt64(value.utf8.count))
        bytes += Array(value.utf8)
    }
}
