import SequiturCore

/// Totals for `sequitur inspect`: how many tensors and parameters a file has and its quantisation mix.
public struct GGUFSummary: Sendable, Equatable {
    /// Tensors of one type.
    public struct TypeUsage: Sendable, Equatable {
        public let type: TensorType
        public let tensorCount: Int
        public let elementCount: Int
        public let byteCount: Int
    }

    public let tensorCount: Int
    /// Total elements over all tensors.
    public let parameterCount: Int
    /// Total bytes of tensor data (without alignment padding).
    public let tensorByteCount: Int
    /// One entry per type present, most bytes first.
    public let types: [TypeUsage]

    public init(_ file: GGUFFile) {
        var usage: [TensorType: (tensors: Int, elements: Int, bytes: Int)] = [:]
        for tensor in file.tensors {
            let current = usage[tensor.type] ?? (0, 0, 0)
            usage[tensor.type] = (current.tensors + 1, current.elements + tensor.elementCount, current.bytes + tensor.byteCount)
        }
        tensorCount = file.tensors.count
        parameterCount = usage.values.reduce(0) { $0 + $1.elements }
        tensorByteCount = usage.values.reduce(0) { $0 + $1.bytes }
        types = usage
            .map { TypeUsage(type: $0.key, tensorCount: $0.value.tensors, elementCount: $0.value.elements, byteCount: $0.value.bytes) }
            .sorted { ($0.byteCount, $1.type.rawValue) > ($1.byteCount, $0.type.rawValue) }
    }
}
