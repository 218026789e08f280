import SequiturCore

/// Everything that can be wrong with a GGUF file or a request made of one. Each description says what was
/// wrong and where: the byte offset, the metadata key or the tensor name.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, inspected or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file has no bytes at all.
    case emptyFile
    /// The file ends before something it declares: `needed` bytes at `offset`, only `available` left.
    case truncated(offset: Int, needed: UInt64, available: Int, reading: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(found: [UInt8])
    /// A version other than 2 or 3 (version 1 used 32-bit counts and is obsolete).
    case unsupportedVersion(UInt32)
    /// The version field reads as a byte-swapped 2 or 3: a big-endian file.
    case bigEndian(version: UInt32)
    /// A count (tensors, keys, array elements, string bytes) that cannot possibly fit in the file or
    /// exceeds the reader's limits.
    case countTooLarge(what: String, count: UInt64, offset: Int, limit: String)
    /// A string whose bytes are not valid UTF-8.
    case invalidUTF8(offset: Int, reading: String)
    /// A metadata value type id not in the GGUF specification.
    case unknownValueType(id: UInt32, offset: Int, reading: String)
    /// A boolean stored as a byte other than 0 or 1.
    case invalidBool(byte: UInt8, offset: Int, reading: String)
    /// Arrays nested deeper than the reader allows.
    case nestingTooDeep(offset: Int, key: String, limit: Int)
    /// The same metadata key twice.
    case duplicateKey(String, offset: Int)
    /// `general.alignment` is not a nonzero power of two (or not an integer).
    case invalidAlignment(String)
    /// The same tensor name twice.
    case duplicateTensor(String, offset: Int)
    /// More than four dimensions.
    case tooManyDimensions(tensor: String, count: UInt32, offset: Int)
    /// A dimension of zero, or one too large for a signed 64-bit count.
    case invalidDimension(tensor: String, index: Int, value: UInt64, offset: Int)
    /// The element count or byte count of a tensor overflows.
    case sizeOverflow(tensor: String, dimensions: [UInt64])
    /// A tensor type id this reader does not know.
    case unknownTensorType(tensor: String, id: UInt32, offset: Int)
    /// A row (`ne[0]` elements) is not a whole number of the type's blocks.
    case rowNotWholeBlocks(tensor: String, columns: Int, type: TensorType)
    /// A tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's data extends past the end of the file.
    case tensorOutOfBounds(tensor: String, start: UInt64, byteCount: Int, fileSize: Int)
    /// Two tensors' data ranges overlap.
    case overlappingTensors(String, String)
    /// A metadata key that was required is absent.
    case missingKey(String)
    /// A metadata value has another type than the one asked for.
    case typeMismatch(key: String, expected: String, actual: String)
    /// A metadata value has the right type but a value the caller cannot use.
    case valueOutOfRange(key: String, value: String, expected: String)
    /// No tensor has this name.
    case tensorNotFound(String)
    /// A tensor's data could not be dequantised (for example an unsupported type).
    case dequantization(tensor: String, reason: String)
    /// The writer was given an inconsistent tensor or metadata entry.
    case invalidInput(String)
    /// Writing the output file failed.
    case writeFailed(path: String, reason: String)
    /// An error from reading the file at `path`.
    indirect case inFile(path: String, GGUFError)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open GGUF file \(path): \(reason)"
        case .emptyFile:
            return "GGUF file is empty (zero bytes)"
        case let .truncated(offset, needed, available, reading):
            return "GGUF file truncated at byte offset \(offset) while reading \(reading): need \(needed) bytes, "
                + "only \(available) left"
        case let .badMagic(found):
            let hex = found.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
            let text = String(decoding: found.map { (32..<127).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
            return "not a GGUF file: wrong magic at byte offset 0: expected 'GGUF' (47 47 55 46), found '\(text)' "
                + "(\(hex.joined(separator: " ")))"
        case let .unsupportedVersion(version):
            return "unsupported GGUF version \(version) at byte offset 4 (supported: 2 and 3"
                + (version == 1 ? "; version 1 is obsolete, re-convert the model)" : ")")
        case let .bigEndian(version):
            return "big-endian GGUF file (version field \(version) at byte offset 4) is not supported"
        case let .countTooLarge(what, count, offset, limit):
            return "impossible \(what) \(count) at byte offset \(offset): \(limit)"
        case let .invalidUTF8(offset, reading):
            return "invalid UTF-8 in \(reading) at byte offset \(offset)"
        case let .unknownValueType(id, offset, reading):
            return "unknown metadata value type \(id) at byte offset \(offset) in \(reading)"
        case let .invalidBool(byte, offset, reading):
            return "invalid bool byte \(byte) (must be 0 or 1) at byte offset \(offset) in \(reading)"
        case let .nestingTooDeep(offset, key, limit):
            return "metadata '\(key)': arrays nested more than \(limit) deep at byte offset \(offset)"
        case let .duplicateKey(key, offset):
            return "duplicate metadata key '\(key)' at byte offset \(offset)"
        case let .invalidAlignment(value):
            return "general.alignment must be a nonzero power of two, got \(value)"
        case let .duplicateTensor(name, offset):
            return "duplicate tensor name '\(name)' at byte offset \(offset)"
        case let .tooManyDimensions(tensor, count, offset):
            return "tensor '\(tensor)': \(count) dimensions at byte offset \(offset) (at most 4 allowed)"
        case let .invalidDimension(tensor, index, value, offset):
            return "tensor '\(tensor)': dimension \(index) is \(value) at byte offset \(offset) "
                + "(must be between 1 and 2^63-1)"
        case let .sizeOverflow(tensor, dimensions):
            return "tensor '\(tensor)': the size of its dimensions (GGUF ne, innermost first) \(dimensions) overflows"
        case let .unknownTensorType(tensor, id, offset):
            return "tensor '\(tensor)': unknown or unsupported tensor type id \(id) at byte offset \(offset)"
        case let .rowNotWholeBlocks(tensor, columns, type):
            return "tensor '\(tensor)': row length \(columns) is not a multiple of the \(type) block size "
                + "\(type.blockSize)"
        case let .misalignedTensor(tensor, offset, alignment):
            return "tensor '\(tensor)': data offset \(offset) is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfBounds(tensor, start, byteCount, fileSize):
            return "tensor '\(tensor)': data (\(byteCount) bytes at byte offset \(start)) extends past the end "
                + "of the file (\(fileSize) bytes); the file is truncated or corrupt"
        case let .overlappingTensors(first, second):
            return "tensors '\(first)' and '\(second)' have overlapping data"
        case let .missingKey(key):
            return "metadata key '\(key)' is missing"
        case let .typeMismatch(key, expected, actual):
            return "metadata '\(key)': expected \(expected), found \(actual)"
        case let .valueOutOfRange(key, value, expected):
            return "metadata '\(key)': value \(value) is out of range (expected \(expected))"
        case let .tensorNotFound(name):
            return "no tensor named '\(name)'"
        case let .dequantization(tensor, reason):
            return "tensor '\(tensor)': \(reason)"
        case let .invalidInput(message):
            return "GGUF writer: \(message)"
        case let .writeFailed(path, reason):
            return "cannot write GGUF file \(path): \(reason)"
        case let .inFile(path, inner):
            return "\(path): \(inner.description)"
        }
    }

    /// The error without the file it came from.
    public var withoutPath: GGUFError {
        if case let .inFile(_, inner) = self { return inner.withoutPath }
        return self
    }
}
