import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// (De)quantisation and reading agree bit for bit with gguf-py on `Tests/Fixtures/gguf/quant_fixtures.gguf.bin`
/// (a GGUF file made by gguf-py's own writer, scripts/reference/gguf_quant_fixtures.py; not named `.gguf`
/// because the repository ignores `*.gguf` to keep models out).
@Suite struct GGUFQuantizationFixtureTests {
    static let fixture = Result {
        try GGUFFile(contentsOf: GGUFTestSupport.fixturesDirectory.appendingPathComponent("quant_fixtures.gguf.bin"))
    }

    static let quantisableTypes: [TensorType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1]
    static let dequantiseOnlyTypes: [TensorType] = [.q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    func fixture() throws -> GGUFFile {
        try Self.fixture.get()
    }

    @Test func readsMetadataWrittenByGGUFPy() throws {
        let file = try fixture()
        #expect(try file.string("general.architecture") == "fixture")
        #expect(file.metadata["test.u8"] == .uint8(200))
        #expect(file.metadata["test.i8"] == .int8(-100))
        #expect(file.metadata["test.u16"] == .uint16(60000))
        #expect(file.metadata["test.i16"] == .int16(-30000))
        #expect(file.metadata["test.u32"] == .uint32(4_000_000_000))
        #expect(file.metadata["test.i32"] == .int32(-2_000_000_000))
        #expect(file.metadata["test.u64"] == .uint64(1 << 63 + 5))
        #expect(file.metadata["test.i64"] == .int64(-(1 << 62)))
        #expect(file.metadata["test.f32"] == .float32(0.1))
        #expect(file.metadata["test.f64"] == .float64(-1.0 / 3.0))
        #expect(try file.bool("test.bool"))
        #expect(try file.string("test.string") == "héllo ✓ 🙂")
        #expect(try file.stringArray("test.strings") == ["a", "", "Ġthe", "日本"])
        #expect(try file.intArray("test.ints") == [1, -2, 3])
        #expect(try file.floatArray("test.floats") == [0.5, -1.25])
        #expect(try file.array("test.nested") == .array([.int32([1, 2]), .int32([3]), .int32([4, 5, 6])]))
        // A uint64 beyond Int.max is reported, not wrapped.
        #expect(throws: GGUFError.self) { try file.int("test.u64") }
        #expect(file.metadataKeys.prefix(3) == ["general.architecture", "test.u8", "test.i8"])
    }

    @Test(arguments: quantisableTypes + dequantiseOnlyTypes)
    func dequantisationMatchesGGUFPyBitForBit(_ type: TensorType) throws {
        let file = try fixture()
        let quantized = try #require(file.tensor(named: "\(type).quantized"))
        let expected = try file.dequantize(try #require(file.tensor(named: "\(type).dequantized")))
        #expect(quantized.type == type)
        let actual = try file.dequantize(quantized)
        #expect(actual.count == expected.count)
        let mismatches = zip(actual, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5).map { "#\($0.offset): \($0.element.0) vs \($0.element.1)" })")
    }

    @Test(arguments: quantisableTypes)
    func quantisationMatchesGGUFPyBitForBit(_ type: TensorType) throws {
        let file = try fixture()
        let input = try file.dequantize(try #require(file.tensor(named: "\(type).input")))
        let quantized = try #require(file.tensor(named: "\(type).quantized"))
        let expected = Array(file.bytes(of: quantized))
        // Block quantisers refuse non-finite input, so the float fixtures contain NaN and infinity only for
        // the plain float types.
        let actual = try Quantization.quantize(input, to: type)
        let firstDifference = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(actual == expected, "first differing byte: \(String(describing: firstDifference))")
    }

    @Test func rowsDecodeLikeTheWholeTensor() throws {
        let file = try fixture()
        for type in Self.quantisableTypes + Self.dequantiseOnlyTypes {
            let info = try #require(file.tensor(named: "\(type).quantized"))
            let whole = try file.dequantize(info)
            let last = info.rows - 1
            let rows = try file.dequantizeRows(info, rows: last..<info.rows)
            #expect(rows.map(\.bitPattern) == whole[(last * info.columns)...].map(\.bitPattern), "\(type)")
            #expect(throws: GGUFError.self) { try file.dequantizeRows(info, rows: 0..<(info.rows + 1)) }
        }
    }

    @Test func dequantisationChecksItsArguments() throws {
        let bytes = [UInt8](repeating: 0x11, count: 40)
        try bytes.withUnsafeBytes { raw in
            #expect(try Dequantization.dequantize(.q8_0, bytes: raw, count: 32).allSatisfy { $0 != 0 })
            let short = #expect(throws: QuantizationError.self) { try Dequantization.dequantize(.q8_0, bytes: raw, count: 64) }
            #expect(short == .bufferTooSmall(type: .q8_0, count: 64, needed: 68, available: 40))
            #expect(throws: QuantizationError.notWholeBlocks(type: .q4_0, count: 33)) {
                try Dequantization.dequantize(.q4_0, bytes: raw, count: 33)
            }
            #expect(throws: QuantizationError.unsupportedType(.i32, operation: "dequantisation")) {
                try Dequantization.dequantize(.i32, bytes: raw, count: 4)
            }
            #expect(throws: QuantizationError.self) { try Dequantization.dequantize(.f32, bytes: raw, count: -1) }
            var out = [Float](repeating: 0, count: 64)
            #expect(throws: QuantizationError.self) {
                try Dequantization.dequantizeRows(.f32, bytes: raw, columns: 5, rows: 1..<3, into: &out)
            }
            try Dequantization.dequantizeRows(.f32, bytes: raw, columns: 5, rows: 1..<2, into: &out)
            #expect(out[0..<5].allSatisfy { $0.bitPattern == 0x1111_1111 })
        }
        #expect(throws: QuantizationError.unsupportedType(.q6_K, operation: "quantisation")) {
            try Quantization.quantize([Float](repeating: 1, count: 256), to: .q6_K)
        }
        #expect(throws: QuantizationError.nonFiniteValue(index: 3, value: .infinity)) {
            try Quantization.quantize([0, 0, 0, .infinity] + [Float](repeating: 1, count: 28), to: .q8_0)
        }
    }
}
