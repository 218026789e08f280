import SequiturCore

/// The header of a GGUF file, parsed and validated: everything but the tensor data.
struct GGUFHeader {
    var version: Int
    var metadataKeys: [String]
    var metadata: [String: GGUFValue]
    var alignment: Int
    var tensors: [GGUFTensorInfo]
    var dataOffset: Int
}

/// Parses a GGUF v2/v3 header from bytes, checking every count, size and offset against the bytes left (with
/// overflow-safe arithmetic) before using or allocating for it.
struct GGUFParser {
    /// Least bytes one tensor-info record occupies: name length, dimension count, type, offset.
    static let minimumTensorInfoSize = 8 + 4 + 4 + 8
    /// Least bytes one metadata entry occupies: key length, value type, a one-byte value.
    static let minimumMetadataEntrySize = 8 + 4 + 1
    static let maximumDimensions = 4
    static let defaultAlignment = 32

    private var cursor: GGUFByteCursor
    private let limits: GGUFReadLimits
    /// Array elements the rest of the metadata may still hold.
    private var elementBudget: Int

    init(base: UnsafeRawPointer, size: Int, limits: GGUFReadLimits) {
        cursor = GGUFByteCursor(base: base, size: size)
        self.limits = limits
        elementBudget = limits.maximumMetadataElements
    }

    mutating func parse() throws -> GGUFHeader {
        guard cursor.size > 0 else { throw GGUFError.emptyFile }
        let version = try parsePreamble()
        let tensorCount = try cursor.readCount(
            "tensor count", minimumSize: Self.minimumTensorInfoSize, "the tensor count at byte offset 8")
        let entryCount = try cursor.readCount(
            "metadata entry count", minimumSize: Self.minimumMetadataEntrySize,
            "the metadata entry count at byte offset 16")

        var keys: [String] = []
        keys.reserveCapacity(entryCount)
        var metadata: [String: GGUFValue] = [:]
        metadata.reserveCapacity(entryCount)
        for index in 0..<entryCount {
            let keyOffset = cursor.offset
            let key = try cursor.readString("the key of metadata entry \(index)")
            guard metadata[key] == nil else { throw GGUFError.duplicateKey(key, offset: keyOffset) }
            let value = try readValue(of: key, depth: 0)
            keys.append(key)
            metadata[key] = value
        }

        let alignment = try Self.alignment(from: metadata)
        let tensors = try parseTensorInfos(count: tensorCount, alignment: alignment)
        let dataOffset = try Self.alignUp(cursor.offset, to: alignment)
        try Self.checkPlacement(of: tensors, dataOffset: dataOffset, fileSize: cursor.size)
        return GGUFHeader(
            version: version, metadataKeys: keys, metadata: metadata, alignment: alignment, tensors: tensors,
            dataOffset: dataOffset)
    }

    private mutating func parsePreamble() throws -> Int {
        let magicBytes = Array(UnsafeRawBufferPointer(start: cursor.base, count: Swift.min(4, cursor.size)))
        if magicBytes != Array("GGUF".utf8) {
            // A short file that starts like GGUF is truncated; anything else is not GGUF at all.
            if magicBytes.count < 4, magicBytes == Array("GGUF".utf8.prefix(magicBytes.count)) {
                try cursor.require(4, "the magic 'GGUF'")
            }
            throw GGUFError.badMagic(found: magicBytes)
        }
        _ = try cursor.read(UInt32.self, "the magic 'GGUF'")
        let version = try cursor.read(UInt32.self, "the version")
        switch version {
        case 2, 3: return Int(version)
        case 2 << 24, 3 << 24: throw GGUFError.bigEndian(version: version.byteSwapped)
        default: throw GGUFError.unsupportedVersion(version)
        }
    }

    // MARK: Metadata values

    private mutating func readValueType(_ reading: @autoclosure () -> String) throws -> GGUFValueType {
        let offset = cursor.offset
        let id = try cursor.read(UInt32.self, reading())
        guard let type = GGUFValueType(rawValue: id) else {
            throw GGUFError.unknownValueType(id: id, offset: offset, reading: reading())
        }
        return type
    }

    private mutating func readValue(of key: String, depth: Int) throws -> GGUFValue {
        let type = try readValueType("the value type of '\(key)'")
        let what = "the value of '\(key)'"
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, what))
        case .int8: return .int8(try cursor.read(Int8.self, what))
        case .uint16: return .uint16(try cursor.read(UInt16.self, what))
        case .int16: return .int16(try cursor.read(Int16.self, what))
        case .uint32: return .uint32(try cursor.read(UInt32.self, what))
        case .int32: return .int32(try cursor.read(Int32.self, what))
        case .uint64: return .uint64(try cursor.read(UInt64.self, what))
        case .int64: return .int64(try cursor.read(Int64.self, what))
        case .float32: return .float32(try cursor.readFloat(what))
        case .float64: return .float64(try cursor.readDouble(what))
        case .bool: return .bool(try readBool(what))
        case .string: return .string(try cursor.readString(what))
        case .array: return .array(try readArray(of: key, depth: depth + 1))
        }
    }

    private mutating func readBool(_ reading: @autoclosure () -> String) throws -> Bool {
        let offset = cursor.offset
        let byte = try cursor.read(UInt8.self, reading())
        guard byte <= 1 else { throw GGUFError.invalidBool(byte: byte, offset: offset, reading: reading()) }
        return byte == 1
    }

    private mutating func readArray(of key: String, depth: Int) throws -> GGUFArray {
        let start = cursor.offset
        guard depth <= limits.maximumArrayDepth else {
            throw GGUFError.nestingTooDeep(offset: start, key: key, limit: limits.maximumArrayDepth)
        }
        let elementType = try readValueType("the element type of array '\(key)'")
        let countOffset = cursor.offset
        let count = try cursor.readCount(
            "array length", minimumSize: elementType.minimumEncodedSize, "array '\(key)' of \(elementType)")
        guard count <= elementBudget else {
            throw GGUFError.countTooLarge(
                what: "array length", count: UInt64(count), offset: countOffset,
                limit: "array '\(key)' would take the metadata past the reader's limit of "
                    + "\(limits.maximumMetadataElements) array elements in all (GGUFReadLimits)")
        }
        elementBudget -= count
        let what = "array '\(key)'"
        switch elementType {
        case .uint8: return .uint8(try cursor.readIntegers(UInt8.self, count: count, what))
        case .int8: return .int8(try cursor.readIntegers(Int8.self, count: count, what))
        case .uint16: return .uint16(try cursor.readIntegers(UInt16.self, count: count, what))
        case .int16: return .int16(try cursor.readIntegers(Int16.self, count: count, what))
        case .uint32: return .uint32(try cursor.readIntegers(UInt32.self, count: count, what))
        case .int32: return .int32(try cursor.readIntegers(Int32.self, count: count, what))
        case .uint64: return .uint64(try cursor.readIntegers(UInt64.self, count: count, what))
        case .int64: return .int64(try cursor.readIntegers(Int64.self, count: count, what))
        case .float32:
            return .float32(try cursor.readIntegers(UInt32.self, count: count, what).map(Float.init(bitPattern:)))
        case .float64:
            return .float64(try cursor.readIntegers(UInt64.self, count: count, what).map(Double.init(bitPattern:)))
        case .bool:
            var values: [Bool] = []
            values.reserveCapacity(count)
            for index in 0..<count { values.append(try readBool("element \(index) of array '\(key)'")) }
            return .bool(values)
        case .string:
            var values: [String] = []
            values.reserveCapacity(count)
            for index in 0..<count { values.append(try cursor.readString("element \(index) of array '\(key)'")) }
            return .string(values)
        case .array:
            var values: [GGUFArray] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try readArray(of: key, depth: depth + 1)) }
            return .array(values)
        }
    }

    // MARK: Tensor infos

    static func alignment(from metadata: [String: GGUFValue]) throws -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard let alignment = value.intValue else {
            throw GGUFError.invalidAlignment("\(value) of type \(value.typeName)")
        }
        guard alignment > 0, alignment & (alignment - 1) == 0 else { throw GGUFError.invalidAlignment("\(alignment)") }
        return alignment
    }

    static func alignUp(_ offset: Int, to alignment: Int) throws -> Int {
        let (sum, overflow) = offset.addingReportingOverflow(alignment - 1)
        guard !overflow else { throw GGUFError.invalidAlignment("\(alignment) (data offset overflows)") }
        return sum & ~(alignment - 1)
    }

    private mutating func parseTensorInfos(count: Int, alignment: Int) throws -> [GGUFTensorInfo] {
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(count)
        var seen = Set<String>(minimumCapacity: count)
        for index in 0..<count {
            let nameOffset = cursor.offset
            let name = try cursor.readString("the name of tensor \(index)")
            guard seen.insert(name).inserted else { throw GGUFError.duplicateTensor(name, offset: nameOffset) }
            let dimensionsOffset = cursor.offset
            let dimensionCount = try cursor.read(UInt32.self, "the dimension count of tensor '\(name)'")
            guard dimensionCount <= Self.maximumDimensions else {
                throw GGUFError.tooManyDimensions(tensor: name, count: dimensionCount, offset: dimensionsOffset)
            }
            var rawDimensions: [UInt64] = []
            for axis in 0..<Int(dimensionCount) {
                rawDimensions.append(try cursor.read(UInt64.self, "dimension \(axis) of tensor '\(name)'"))
            }
            var dimensions: [Int] = []
            var elements = 1
            for (axis, raw) in rawDimensions.enumerated() {
                guard raw >= 1, let dimension = Int(exactly: raw) else {
                    throw GGUFError.invalidDimension(
                        tensor: name, index: axis, value: raw, offset: dimensionsOffset + 4 + 8 * axis)
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw GGUFError.sizeOverflow(tensor: name, dimensions: rawDimensions) }
                elements = product
                dimensions.append(dimension)
            }
            let typeOffset = cursor.offset
            let typeID = try cursor.read(UInt32.self, "the type of tensor '\(name)'")
            guard let type = TensorType(rawValue: typeID) else {
                throw GGUFError.unknownTensorType(tensor: name, id: typeID, offset: typeOffset)
            }
            let columns = dimensions.first ?? 1
            guard columns % type.blockSize == 0 else {
                throw GGUFError.rowNotWholeBlocks(tensor: name, columns: columns, type: type)
            }
            guard let byteCount = type.byteCount(elements: elements) else {
                throw GGUFError.sizeOverflow(tensor: name, dimensions: rawDimensions)
            }
            let rawOffset = try cursor.read(UInt64.self, "the data offset of tensor '\(name)'")
            guard rawOffset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedTensor(tensor: name, offset: rawOffset, alignment: alignment)
            }
            guard let offset = Int(exactly: rawOffset) else {
                throw GGUFError.tensorOutOfBounds(tensor: name, start: rawOffset, byteCount: byteCount, fileSize: cursor.size)
            }
            tensors.append(GGUFTensorInfo(
                name: name, dimensions: dimensions, type: type, offset: offset, byteCount: byteCount,
                elementCount: elements))
        }
        return tensors
    }

    /// Every tensor's data must lie inside the file, and no two may overlap.
    private static func checkPlacement(of tensors: [GGUFTensorInfo], dataOffset: Int, fileSize: Int) throws {
        for tensor in tensors {
            let (start, overflowStart) = dataOffset.addingReportingOverflow(tensor.offset)
            let (end, overflowEnd) = start.addingReportingOverflow(tensor.byteCount)
            guard !overflowStart, !overflowEnd, end <= fileSize else {
                throw GGUFError.tensorOutOfBounds(
                    tensor: tensor.name, start: UInt64(dataOffset) &+ UInt64(tensor.offset),
                    byteCount: tensor.byteCount, fileSize: fileSize)
            }
        }
        let byOffset = tensors.sorted { $0.offset < $1.offset }
        for (previous, next) in zip(byOffset, byOffset.dropFirst())
        where previous.offset + previous.byteCount > next.offset {
            throw GGUFError.overlappingTensors(previous.name, next.name)
        }
    }
}
