import Testing
import SequiturCore

/// `WeightTensor.firstNonFiniteValue` reads only the floating-point fields of each block; checked against the
/// dequantizer (gguf-py's layouts): a NaN written anywhere in a block is reported exactly when it makes a
/// dequantised value non-finite.
@Suite struct WeightFinitenessTests {
    static func scan(_ bytes: [UInt8], type: TensorType, rows: Int, columns: Int) -> NonFiniteWeight? {
        bytes.withUnsafeBytes {
            WeightTensor(name: "w", type: type, rows: rows, columns: columns, bytes: $0, owner: nil).firstNonFiniteValue()
        }
    }

    @Test(arguments: Dequantization.supportedTypes.filter { $0.blockSize > 1 }.sorted { $0.rawValue < $1.rawValue })
    func aNaNIsFoundExactlyWhereItPoisonsTheBlock(type: TensorType) throws {
        var random = SplitMix64(seed: UInt64(type.rawValue))
        let columns = 3 * type.blockSize, rows = 2
        // Random blocks whose every 16-bit field is finite: the high byte of each little-endian pair keeps
        // bit 6 clear, so no float16 exponent is all ones.
        let count = rows * columns / type.blockSize * type.blockBytes
        let clean = (0..<count).map { i in UInt8(truncatingIfNeeded: random.next()) & (i % 2 == 1 ? 0x3F : 0xFF) }
        #expect(Self.scan(clean, type: type, rows: rows, columns: columns) == nil)
        var poisoning = 0
        // Every even offset of the middle block of row 1 in turn; float16 NaN is 0x7E00, little-endian.
        let blockStart = (1 * 3 + 1) * type.blockBytes
        for offset in stride(from: 0, to: type.blockBytes - 1, by: 2) {
            var bytes = clean
            bytes[blockStart + offset] = 0x00
            bytes[blockStart + offset + 1] = 0x7E
            let values = try Dequantization.dequantize(type, bytes: bytes.withUnsafeBytes { $0 }, count: rows * columns)
            let poisoned = values.contains { !$0.isFinite }
            let found = Self.scan(bytes, type: type, rows: rows, columns: columns)
            #expect((found != nil) == poisoned, "\(type) offset \(offset)")
            if poisoned {
                poisoning += 1
                #expect(found?.row == 1 && found?.column == type.blockSize, "\(type) offset \(offset)")
            }
        }
        #expect(poisoning >= 1, "no offset of a \(type) block holds a float")
    }

    @Test func plainTypesAreScannedElementByElement() throws {
        let columns = 7
        for (type, nan) in [(TensorType.f32, [UInt8](arrayLiteral: 0x00, 0x00, 0xC0, 0x7F)),
                            (.f16, [0x00, 0x7E]), (.bf16, [0xC0, 0x7F])] {
            var bytes = try Quantization.quantize((0..<(2 * columns)).map { Float($0) - 5 }, to: type)
            #expect(Self.scan(bytes, type: type, rows: 2, columns: columns) == nil)
            let width = nan.count, index = columns + 4
            bytes.replaceSubrange(index * width..<(index + 1) * width, with: nan)
            let found = Self.scan(bytes, type: type, rows: 2, columns: columns)
            #expect(found?.row == 1 && found?.column == 4 && found?.value.isNaN == true, "\(type)")
        }
    }
}
