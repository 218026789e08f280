/// Where a weight tensor holds a NaN or an infinity.
public struct NonFiniteWeight: Sendable, Equatable, CustomStringConvertible {
    public let tensor: String
    public let row: Int
    /// The element's column for plain types; for block-quantised types the first column of the block whose
    /// scale is non-finite (every element of that block dequantises to garbage).
    public let column: Int
    /// The non-finite value as the file stores it (a scale, for quantised types).
    public let value: Float

    public var description: String {
        "tensor '\(tensor)' holds \(value) at row \(row), column \(column): the file's weights are corrupt"
    }
}

extension WeightTensor {
    /// The first NaN or infinity in the tensor, scanning row by row; nil when every value is finite.
    ///
    /// Quantised blocks store integer codes and float16 (or float32) scales, so only the scales can be
    /// non-finite and only they are read: one pass over the file's bytes, done once at load, which is what lets
    /// every later log-prob be trusted. Unknown layouts (types no backend runs) are not scanned.
    public func firstNonFiniteValue() -> NonFiniteWeight? {
        // Shapes that do not fit the bytes are the loader's and the backend's to refuse, with their own error.
        guard let base = bytes.baseAddress, rows > 0, columns > 0,
              let rowBytes = type.byteCount(elements: columns),
              case let (total, overflow) = rowBytes.multipliedReportingOverflow(by: rows),
              !overflow, total <= bytes.count,
              let layout = FiniteScaleLayout(type) else { return nil }
        for row in 0..<rows {
            let rowStart = base + row * rowBytes
            for block in 0..<(columns / type.blockSize) {
                let blockStart = rowStart + block * type.blockBytes
                for field in layout.fields {
                    let value = field.read(blockStart)
                    if !value.isFinite {
                        return NonFiniteWeight(tensor: name, row: row, column: block * type.blockSize, value: value)
                    }
                }
            }
        }
        return nil
    }
}

/// The byte offsets of the floating-point fields of one block of a type, as GGML lays the block out.
private struct FiniteScaleLayout {
    struct Field {
        let offset: Int
        let width: Width
        enum Width { case half, bfloat, single }

        func read(_ block: UnsafeRawPointer) -> Float {
            switch width {
            case .half:
                return Float(Float16(bitPattern: UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
            case .bfloat:
                let bits = UInt32(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << 16
                return Float(bitPattern: bits)
            case .single:
                return Float(bitPattern: UInt32(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            }
        }
    }

    let fields: [Field]

    init?(_ type: TensorType) {
        switch type {
        case .f32: fields = [Field(offset: 0, width: .single)]
        case .f16: fields = [Field(offset: 0, width: .half)]
        case .bf16: fields = [Field(offset: 0, width: .bfloat)]
        case .q4_0, .q5_0, .q8_0: fields = [Field(offset: 0, width: .half)]             // d, then codes
        case .q4_1, .q5_1, .q4_K, .q5_K: fields = [Field(offset: 0, width: .half), Field(offset: 2, width: .half)] // d, m
        case .q2_K: fields = [Field(offset: 80, width: .half), Field(offset: 82, width: .half)] // scales, codes, d, dmin
        case .q3_K: fields = [Field(offset: 108, width: .half)]                            // masks, codes, scales, d
        case .q6_K: fields = [Field(offset: 208, width: .half)]                            // codes, scales, d
        case .q8_K: fields = [Field(offset: 0, width: .single)]
        case .q8_1, .i8, .i16, .i32, .i64, .f64: return nil
        }
    }
}
