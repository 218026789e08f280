import SequiturCore

/// Where one tensor lies in a GGUF file, as its tensor-info record describes it (already validated: the
/// type is known, rows are whole blocks, the data lies inside the file and is aligned).
public struct GGUFTensorInfo: Equatable, Sendable, CustomStringConvertible {
    public let name: String
    /// GGUF `ne`: `dimensions[0]` is the contiguous (innermost) dimension.
    public let dimensions: [Int]
    public let type: TensorType
    /// Byte offset of the data relative to the start of the data section (`GGUFFile.dataOffset`).
    public let offset: Int
    /// Bytes of data.
    public let byteCount: Int
    /// Product of the dimensions.
    public let elementCount: Int

    public init(name: String, dimensions: [Int], type: TensorType, offset: Int, byteCount: Int, elementCount: Int) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.byteCount = byteCount
        self.elementCount = elementCount
    }

    /// Elements per row: `ne[0]` (1 for a tensor without dimensions).
    public var columns: Int { dimensions.first ?? 1 }
    /// Number of rows: the product of `ne[1...]`.
    public var rows: Int { elementCount / Swift.max(columns, 1) }

    /// `name type [ne0, ne1, ...]`, as `sequitur inspect` lists tensors.
    public var description: String {
        "\(name) \(type) \(dimensions)"
    }
}
