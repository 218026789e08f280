/// Typed access to metadata. The plain forms throw `missingKey` when the key is absent; the `optional`
/// forms return nil then. Both throw `typeMismatch` (naming the key, the expected and the actual type) when
/// the value has another type, and `valueOutOfRange` when an integer does not fit.
extension GGUFFile {
    /// The value for `key`, or `missingKey`.
    public func value(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else { throw GGUFError.missingKey(key) }
        return value
    }

    public func string(_ key: String) throws -> String {
        let value = try value(key)
        guard case let .string(string) = value else { throw mismatch(key, expected: "string", value) }
        return string
    }

    /// An integer of any of the eight integer types, as `Int`.
    public func int(_ key: String) throws -> Int {
        let value = try value(key)
        guard value.isInteger else { throw mismatch(key, expected: "an integer", value) }
        guard let int = value.intValue else {
            throw GGUFError.valueOutOfRange(key: key, value: value.description, expected: "a value that fits in Int")
        }
        return int
    }

    /// A float32, float64 (narrowed) or integer (converted), as `Float`.
    public func float(_ key: String) throws -> Float {
        // Exact for float32 values: widening to Double and back changes nothing.
        Float(try double(key))
    }

    /// A float64, float32 (widened) or integer (converted), as `Double`.
    public func double(_ key: String) throws -> Double {
        let value = try value(key)
        switch value {
        case let .float32(float): return Double(float)
        case let .float64(double): return double
        default:
            if let int = value.intValue { return Double(int) }
            throw mismatch(key, expected: "a number", value)
        }
    }

    public func bool(_ key: String) throws -> Bool {
        let value = try value(key)
        guard case let .bool(bool) = value else { throw mismatch(key, expected: "bool", value) }
        return bool
    }

    /// The array stored under `key`, of any element type.
    public func array(_ key: String) throws -> GGUFArray {
        let value = try value(key)
        guard case let .array(array) = value else { throw mismatch(key, expected: "an array", value) }
        return array
    }

    public func stringArray(_ key: String) throws -> [String] {
        let array = try array(key)
        guard case let .string(strings) = array else { throw mismatch(key, expected: "array[string]", .array(array)) }
        return strings
    }

    /// An array of any integer type, as `[Int]`.
    public func intArray(_ key: String) throws -> [Int] {
        let array = try array(key)
        switch array {
        case .uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64:
            guard let ints = array.intValues else {
                throw GGUFError.valueOutOfRange(key: key, value: array.description, expected: "values that fit in Int")
            }
            return ints
        default:
            throw mismatch(key, expected: "an array of integers", .array(array))
        }
    }

    /// An array of float32 (or float64, narrowed), as `[Float]`.
    public func floatArray(_ key: String) throws -> [Float] {
        let array = try array(key)
        switch array {
        case let .float32(floats): return floats
        case let .float64(doubles): return doubles.map { Float($0) }
        default: throw mismatch(key, expected: "an array of floats", .array(array))
        }
    }

    public func optionalString(_ key: String) throws -> String? { try ifPresent(key, string) }
    public func optionalInt(_ key: String) throws -> Int? { try ifPresent(key, int) }
    public func optionalFloat(_ key: String) throws -> Float? { try ifPresent(key, float) }
    public func optionalDouble(_ key: String) throws -> Double? { try ifPresent(key, double) }
    public func optionalBool(_ key: String) throws -> Bool? { try ifPresent(key, bool) }
    public func optionalStringArray(_ key: String) throws -> [String]? { try ifPresent(key, stringArray) }
    public func optionalIntArray(_ key: String) throws -> [Int]? { try ifPresent(key, intArray) }
    public func optionalFloatArray(_ key: String) throws -> [Float]? { try ifPresent(key, floatArray) }

    private func ifPresent<T>(_ key: String, _ read: (String) throws -> T) throws -> T? {
        metadata[key] == nil ? nil : try read(key)
    }

    private func mismatch(_ key: String, expected: String, _ actual: GGUFValue) -> GGUFError {
        GGUFError.typeMismatch(key: key, expected: expected, actual: actual.typeName)
    }
}
