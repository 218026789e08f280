import Foundation
import SequiturCore

/// Builds GGUF v3 files: metadata of every type and tensors given as raw bytes or as float32 values quantised
/// here. Used to make small test models and fixtures; `GGUFFile` reads back exactly what it writes.
///
/// ```swift
/// let writer = try GGUFWriter()
/// try writer.addMetadata("general.architecture", .string("llama"))
/// try writer.addTensor(name: "output_norm.weight", dimensions: [64], values: norm, as: .f32)
/// try writer.write(to: url)
/// ```
public final class GGUFWriter {
    /// Alignment of the data section and of every tensor's data.
    public let alignment: Int
    public private(set) var metadataKeys: [String] = []
    private var metadata: [String: GGUFValue] = [:]
    private var tensors: [(name: String, dimensions: [Int], type: TensorType, bytes: [UInt8])] = []
    private var tensorNames = Set<String>()

    /// A writer whose file will align tensor data to `alignment` bytes (a nonzero power of two). A value
    /// other than GGUF's default 32 is recorded as `general.alignment`.
    public init(alignment: Int = 32) throws {
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= 1 << 20 else {
            throw GGUFError.invalidAlignment("\(alignment)")
        }
        self.alignment = alignment
    }

    /// Adds a metadata entry; keys keep the order they are added in. A key may be added once.
    public func addMetadata(_ key: String, _ value: GGUFValue) throws {
        guard metadata[key] == nil else { throw GGUFError.invalidInput("metadata key '\(key)' added twice") }
        if key == "general.alignment", value.intValue != alignment {
            throw GGUFError.invalidInput(
                "general.alignment \(value) differs from the writer's alignment \(alignment)")
        }
        metadataKeys.append(key)
        metadata[key] = value
    }

    /// Adds a tensor from bytes already in `type`'s layout. `dimensions` is GGUF `ne` (`dimensions[0]`
    /// contiguous), at most four, each at least 1, with `dimensions[0]` a whole number of blocks.
    public func addTensor(name: String, dimensions: [Int], type: TensorType, bytes: [UInt8]) throws {
        guard !tensorNames.contains(name) else { throw GGUFError.invalidInput("tensor '\(name)' added twice") }
        let elements = try Self.elementCount(name: name, dimensions: dimensions)
        guard (dimensions.first ?? 1) % type.blockSize == 0 else {
            throw GGUFError.rowNotWholeBlocks(tensor: name, columns: dimensions.first ?? 1, type: type)
        }
        guard let byteCount = type.byteCount(elements: elements) else {
            throw GGUFError.sizeOverflow(tensor: name, dimensions: dimensions.map { UInt64($0) })
        }
        guard bytes.count == byteCount else {
            throw GGUFError.invalidInput(
                "tensor '\(name)': \(elements) \(type) elements need \(byteCount) bytes, got \(bytes.count)")
        }
        tensorNames.insert(name)
        tensors.append((name, dimensions, type, bytes))
    }

    /// Adds a tensor from float32 values (in file order, `dimensions[0]` fastest), quantised to `type` with
    /// GGML's reference quantiser for it.
    public func addTensor(name: String, dimensions: [Int], values: [Float], as type: TensorType) throws {
        let elements = try Self.elementCount(name: name, dimensions: dimensions)
        guard values.count == elements else {
            throw GGUFError.invalidInput(
                "tensor '\(name)': dimensions \(dimensions) hold \(elements) elements, got \(values.count) values")
        }
        guard (dimensions.first ?? 1) % type.blockSize == 0 else {
            throw GGUFError.rowNotWholeBlocks(tensor: name, columns: dimensions.first ?? 1, type: type)
        }
        let bytes: [UInt8]
        do {
            bytes = try Quantization.quantize(values, to: type)
        } catch let error as QuantizationError {
            throw GGUFError.invalidInput("tensor '\(name)': \(error.description)")
        }
        try addTensor(name: name, dimensions: dimensions, type: type, bytes: bytes)
    }

    private static func elementCount(name: String, dimensions: [Int]) throws -> Int {
        guard dimensions.count <= 4 else {
            throw GGUFError.invalidInput("tensor '\(name)': \(dimensions.count) dimensions (at most 4 allowed)")
        }
        var elements = 1
        for dimension in dimensions {
            guard dimension >= 1 else {
                throw GGUFError.invalidInput("tensor '\(name)': dimension \(dimension) in \(dimensions) must be >= 1")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw GGUFError.sizeOverflow(tensor: name, dimensions: dimensions.map { UInt64($0) }) }
            elements = product
        }
        return elements
    }

    /// The complete file.
    public func serialized() throws -> [UInt8] {
        var out = GGUFByteWriter()
        var keys = metadataKeys
        var values = metadata
        if alignment != 32, values["general.alignment"] == nil {
            keys.append("general.alignment")
            values["general.alignment"] = .uint32(UInt32(alignment))
        }
        out.append(contentsOf: Array("GGUF".utf8))
        out.append(UInt32(3))
        out.append(UInt64(tensors.count))
        out.append(UInt64(keys.count))
        for key in keys {
            out.append(key)
            out.append(values[key]!)
        }
        var offset = 0
        for tensor in tensors {
            out.append(tensor.name)
            out.append(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { out.append(UInt64(dimension)) }
            out.append(tensor.type.rawValue)
            out.append(UInt64(offset))
            offset = Self.alignUp(offset + tensor.bytes.count, alignment)
        }
        out.pad(to: alignment)
        for tensor in tensors {
            out.append(contentsOf: tensor.bytes)
            out.pad(to: alignment)
        }
        return out.bytes
    }

    /// Writes the file to `url` atomically: to a temporary file in the same directory, then renamed, so a
    /// reader never sees half a file.
    public func write(to url: URL) throws {
        let bytes = try serialized()
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw GGUFError.writeFailed(path: url.path, reason: "\(error)")
        }
    }

    private static func alignUp(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) & ~(alignment - 1)
    }
}

/// Little-endian encoding of GGUF's primitive fields.
struct GGUFByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(contentsOf data: [UInt8]) { bytes.append(contentsOf: data) }

    mutating func append(_ string: String) {
        let utf8 = Array(string.utf8)
        append(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func pad(to alignment: Int) {
        let remainder = bytes.count % alignment
        if remainder != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - remainder)) }
    }

    /// A metadata value with its type tag.
    mutating func append(_ value: GGUFValue) {
        append(value.type.rawValue)
        appendPayload(value)
    }

    private mutating func appendPayload(_ value: GGUFValue) {
        switch value {
        case let .uint8(v): append(v)
        case let .int8(v): append(v)
        case let .uint16(v): append(v)
        case let .int16(v): append(v)
        case let .uint32(v): append(v)
        case let .int32(v): append(v)
        case let .uint64(v): append(v)
        case let .int64(v): append(v)
        case let .float32(v): append(v.bitPattern)
        case let .float64(v): append(v.bitPattern)
        case let .bool(v): append(UInt8(v ? 1 : 0))
        case let .string(v): append(v)
        case let .array(v): appendArray(v)
        }
    }

    /// Element type, count, then the elements without type tags (an inner array repeats this layout).
    private mutating func appendArray(_ array: GGUFArray) {
        append(array.elementType.rawValue)
        append(UInt64(array.count))
        switch array {
        case let .uint8(a): a.forEach { append($0) }
        case let .int8(a): a.forEach { append($0) }
        case let .uint16(a): a.forEach { append($0) }
        case let .int16(a): a.forEach { append($0) }
        case let .uint32(a): a.forEach { append($0) }
        case let .int32(a): a.forEach { append($0) }
        case let .uint64(a): a.forEach { append($0) }
        case let .int64(a): a.forEach { append($0) }
        case let .float32(a): a.forEach { append($0.bitPattern) }
        case let .float64(a): a.forEach { append($0.bitPattern) }
        case let .bool(a): a.forEach { append(UInt8($0 ? 1 : 0)) }
        case let .string(a): a.forEach { append($0) }
        case let .array(a): a.forEach { appendArray($0) }
        }
    }
}
