/// Conversion of GGUF tensor data (plain or block-quantised) to float32, bit-exact with gguf-py's
/// `gguf.quants.dequantize` (which follows GGML's `dequantize_row_*` reference functions).
///
/// Every function checks that the element count is a whole number of blocks and that the buffer is large
/// enough before reading; data is read unaligned and little-endian, so any byte offset works.
public enum Dequantization {
    /// The types `dequantize` accepts.
    public static let supportedTypes: Set<TensorType> = [
        .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K,
    ]

    public static func isSupported(_ type: TensorType) -> Bool { supportedTypes.contains(type) }

    /// Writes `count` float32 values decoded from the start of `bytes` to `output`.
    public static func dequantize(
        _ type: TensorType, bytes: UnsafeRawBufferPointer, count: Int, into output: UnsafeMutablePointer<Float>
    ) throws {
        let needed = try checkedByteCount(type, count: count, available: bytes.count)
        guard count > 0, let source = bytes.baseAddress else { return }
        // Plain types: one loop over elements rather than a call per element.
        switch type {
        case .f32:
            UnsafeMutableRawPointer(output).copyMemory(from: source, byteCount: needed)
            return
        case .f16:
            for i in 0..<count { output[i] = BlockDequantizers.half(source, 2 * i) }
            return
        case .bf16:
            for i in 0..<count {
                output[i] = HalfPrecision.floatFromBFloat16(
                    UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
            return
        default:
            break
        }
        let blocks = count / type.blockSize
        let blockBytes = type.blockBytes
        let kernel = try blockKernel(for: type)
        var input = source
        var out = output
        for _ in 0..<blocks {
            kernel(input, out)
            input += blockBytes
            out += type.blockSize
        }
    }

    /// `count` float32 values decoded from the start of `bytes`.
    public static func dequantize(_ type: TensorType, bytes: UnsafeRawBufferPointer, count: Int) throws -> [Float] {
        _ = try checkedByteCount(type, count: count, available: bytes.count)
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { try dequantize(type, bytes: bytes, count: count, into: base) }
            initialized = count
        }
    }

    /// Decodes rows `rows` of a matrix whose rows have `columns` elements each and lie one after another in
    /// `bytes` (a GGUF tensor: `columns` is `ne[0]`). Writes `rows.count × columns` floats to `output`.
    public static func dequantizeRows(
        _ type: TensorType, bytes: UnsafeRawBufferPointer, columns: Int, rows: Range<Int>,
        into output: UnsafeMutablePointer<Float>
    ) throws {
        guard columns >= 0, rows.lowerBound >= 0 else {
            throw QuantizationError.invalidShape("columns \(columns), rows \(rows)")
        }
        guard let rowBytes = type.byteCount(elements: columns) else {
            throw QuantizationError.notWholeBlocks(type: type, count: columns)
        }
        let (start, overflowStart) = rows.lowerBound.multipliedReportingOverflow(by: rowBytes)
        let (length, overflowLength) = rows.count.multipliedReportingOverflow(by: rowBytes)
        let (end, overflowEnd) = start.addingReportingOverflow(length)
        let (count, overflowCount) = rows.count.multipliedReportingOverflow(by: columns)
        guard !overflowStart, !overflowLength, !overflowEnd, !overflowCount, end <= bytes.count else {
            throw QuantizationError.bufferTooSmall(
                type: type, count: rows.upperBound &* columns, needed: end, available: bytes.count)
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        try dequantize(type, bytes: slice, count: count, into: output)
    }

    /// Bytes `count` elements of `type` occupy, after checking the count and the space available.
    static func checkedByteCount(_ type: TensorType, count: Int, available: Int) throws -> Int {
        guard count >= 0 else { throw QuantizationError.invalidShape("negative element count \(count)") }
        guard let needed = type.byteCount(elements: count) else {
            throw QuantizationError.notWholeBlocks(type: type, count: count)
        }
        guard needed <= available else {
            throw QuantizationError.bufferTooSmall(type: type, count: count, needed: needed, available: available)
        }
        return needed
    }

    /// Decodes one block: reads `type.blockBytes` bytes, writes `type.blockSize` floats.
    typealias BlockKernel = (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void

    static func blockKernel(for type: TensorType) throws -> BlockKernel {
        switch type {
        case .q4_0: return BlockDequantizers.q4_0
        case .q4_1: return BlockDequantizers.q4_1
        case .q5_0: return BlockDequantizers.q5_0
        case .q5_1: return BlockDequantizers.q5_1
        case .q8_0: return BlockDequantizers.q8_0
        case .q2_K: return BlockDequantizers.q2_K
        case .q3_K: return BlockDequantizers.q3_K
        case .q4_K: return BlockDequantizers.q4_K
        case .q5_K: return BlockDequantizers.q5_K
        case .q6_K: return BlockDequantizers.q6_K
        case .f32, .f16, .bf16, .q8_1, .q8_K, .i8, .i16, .i32, .i64, .f64:
            throw QuantizationError.unsupportedType(type, operation: "dequantisation")
        }
    }
}
