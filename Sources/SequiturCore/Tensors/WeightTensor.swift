/// A weight matrix as it lies in the model file: `rows` rows of `columns` elements each, every row a whole
/// number of `type` blocks, rows stored one after another.
///
/// The bytes are borrowed (usually from a memory-mapped GGUF file); `owner` keeps them alive. A backend's
/// `upload` copies or wraps them once; after that the model only refers to the backend's tensor.
public struct WeightTensor: @unchecked Sendable {
    public let name: String
    public let type: TensorType
    /// Output dimension (GGUF `ne[1]`; 1 for vectors).
    public let rows: Int
    /// Input dimension, contiguous in memory (GGUF `ne[0]`).
    public let columns: Int
    public let bytes: UnsafeRawBufferPointer
    /// Whatever owns `bytes` (a mapped file, an array box); held so the memory outlives this value.
    public let owner: AnyObject?

    public init(name: String, type: TensorType, rows: Int, columns: Int, bytes: UnsafeRawBufferPointer, owner: AnyObject?) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.bytes = bytes
        self.owner = owner
    }

    /// Bytes of one row.
    public var rowBytes: Int { columns / type.blockSize * type.blockBytes }
}
