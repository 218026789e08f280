/// The type tags GGUF gives metadata values (`gguf_type`).
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .float32: return "float32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float64: return "float64"
        }
    }

    /// Bytes one value of a fixed-size type occupies in the file; for strings and arrays, the least they can
    /// occupy (their length/count header), which is what bounds an element count against the bytes left.
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 4 + 8
        }
    }
}

/// One GGUF metadata value.
public enum GGUFValue: Equatable, Sendable, CustomStringConvertible {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)
    case array(GGUFArray)

    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The type as a reader would name it in an error: `uint32`, `array[string]`, `array[array[int32]]`.
    public var typeName: String {
        if case let .array(array) = self { return array.typeName }
        return type.description
    }

    /// The value as an `Int` when it is an integer of any width that fits.
    public var intValue: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(exactly: v)
        default: return nil
        }
    }

    /// True for the eight integer types.
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .uint8(v): return "\(v)"
        case let .int8(v): return "\(v)"
        case let .uint16(v): return "\(v)"
        case let .int16(v): return "\(v)"
        case let .uint32(v): return "\(v)"
        case let .int32(v): return "\(v)"
        case let .uint64(v): return "\(v)"
        case let .int64(v): return "\(v)"
        case let .float32(v): return "\(v)"
        case let .float64(v): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(v): return v.debugDescription
        case let .array(v): return v.description
        }
    }
}

/// A GGUF metadata array, stored as one typed Swift array (so a 49,152-token vocabulary is one `[String]`,
/// not 49,152 enum boxes). Arrays of arrays hold each inner array with its own element type.
public enum GGUFArray: Equatable, Sendable, CustomStringConvertible {
    case uint8([UInt8])
    case int8([Int8])
    case uint16([UInt16])
    case int16([Int16])
    case uint32([UInt32])
    case int32([Int32])
    case uint64([UInt64])
    case int64([Int64])
    case float32([Float])
    case float64([Double])
    case bool([Bool])
    case string([String])
    case array([GGUFArray])

    public var elementType: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    public var count: Int {
        switch self {
        case let .uint8(a): return a.count
        case let .int8(a): return a.count
        case let .uint16(a): return a.count
        case let .int16(a): return a.count
        case let .uint32(a): return a.count
        case let .int32(a): return a.count
        case let .uint64(a): return a.count
        case let .int64(a): return a.count
        case let .float32(a): return a.count
        case let .float64(a): return a.count
        case let .bool(a): return a.count
        case let .string(a): return a.count
        case let .array(a): return a.count
        }
    }

    /// `array[T]`, with the first inner array's type for arrays of arrays.
    public var typeName: String {
        if case let .array(inner) = self {
            return "array[\(inner.first?.typeName ?? "array")]"
        }
        return "array[\(elementType)]"
    }

    /// Element `index` as a value. Precondition: `index` is in `0..<count`.
    public subscript(index: Int) -> GGUFValue {
        switch self {
        case let .uint8(a): return .uint8(a[index])
        case let .int8(a): return .int8(a[index])
        case let .uint16(a): return .uint16(a[index])
        case let .int16(a): return .int16(a[index])
        case let .uint32(a): return .uint32(a[index])
        case let .int32(a): return .int32(a[index])
        case let .uint64(a): return .uint64(a[index])
        case let .int64(a): return .int64(a[index])
        case let .float32(a): return .float32(a[index])
        case let .float64(a): return .float64(a[index])
        case let .bool(a): return .bool(a[index])
        case let .string(a): return .string(a[index])
        case let .array(a): return .array(a[index])
        }
    }

    /// The elements as `Int`s when they are integers that all fit; nil otherwise.
    public var intValues: [Int]? {
        switch self {
        case let .uint8(a): return a.map(Int.init)
        case let .int8(a): return a.map(Int.init)
        case let .uint16(a): return a.map(Int.init)
        case let .int16(a): return a.map(Int.init)
        case let .uint32(a): return a.map(Int.init)
        case let .int32(a): return a.map(Int.init)
        case let .uint64(a):
            let values = a.compactMap { Int(exactly: $0) }
            return values.count == a.count ? values : nil
        case let .int64(a): return a.map { Int($0) }
        default: return nil
        }
    }

    /// A short rendering: the type, the count and the first few elements.
    public var description: String {
        let shown = (0..<Swift.min(count, 8)).map { self[$0].description }.joined(separator: ", ")
        return "\(typeName)(\(count)): [\(shown)\(count > 8 ? ", ..." : "")]"
    }
}
