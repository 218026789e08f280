/// Why a block of quantised data could not be converted.
public enum QuantizationError: Error, CustomStringConvertible, Equatable {
    /// This type has no (de)quantiser here.
    case unsupportedType(TensorType, operation: String)
    /// The element count is not a whole number of blocks of the type.
    case notWholeBlocks(type: TensorType, count: Int)
    /// The buffer holds fewer bytes than `count` elements of the type need.
    case bufferTooSmall(type: TensorType, count: Int, needed: Int, available: Int)
    /// A negative count, row range or column count.
    case invalidShape(String)
    /// Block quantisation met an infinity or NaN, which has no meaningful block scale.
    case nonFiniteValue(index: Int, value: Float)

    public var description: String {
        switch self {
        case let .unsupportedType(type, operation):
            return "\(operation) of \(type) tensors is not supported"
        case let .notWholeBlocks(type, count):
            return "\(count) elements is not a whole number of \(type) blocks (\(type.blockSize) elements each)"
        case let .bufferTooSmall(type, count, needed, available):
            return "\(count) \(type) elements need \(needed) bytes but only \(available) are available"
        case let .invalidShape(message):
            return "invalid shape: \(message)"
        case let .nonFiniteValue(index, value):
            return "cannot block-quantise non-finite value \(value) at element \(index)"
        }
    }
}
