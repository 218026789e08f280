import SequiturCore

/// A tensor of the CPU backend: a float32 activation matrix in an owned aligned buffer, or a weight matrix
/// in its file type.
///
/// Weights are not copied: the tensor points at the `WeightTensor`'s bytes (usually the memory-mapped GGUF
/// file) and keeps its `owner` alive. Only when a weight has no owner, or is an unaligned float32 vector, is it
/// copied into owned memory.
public final class CPUTensor: DeviceTensor, @unchecked Sendable {
    // @unchecked Sendable: the contents are mutated only by backend ops, each of which splits its output into
    // disjoint row ranges across threads.
    public let rows: Int
    public let columns: Int
    public let type: TensorType
    /// The tensor's name (the weight's name in the file, or "activations").
    public let name: String

    /// Start of row 0.
    let bytes: UnsafeRawPointer
    /// Bytes from one row to the next.
    let rowBytes: Int
    /// Keeps borrowed weight bytes alive.
    private let owner: AnyObject?
    /// The float buffer when this tensor owns its memory.
    let buffer: AlignedFloatBuffer?

    /// A float32 activation matrix.
    init(rows: Int, columns: Int, buffer: AlignedFloatBuffer) {
        self.rows = rows
        self.columns = columns
        self.type = .f32
        self.name = "activations"
        self.bytes = UnsafeRawPointer(buffer.pointer)
        self.rowBytes = columns * MemoryLayout<Float>.stride
        self.owner = nil
        self.buffer = buffer
    }

    /// A weight, borrowed (kept alive through `owner`) or held in `buffer`.
    init(weight: WeightTensor, bytes: UnsafeRawPointer, type: TensorType, rowBytes: Int, owner: AnyObject?,
         buffer: AlignedFloatBuffer?) {
        self.rows = weight.rows
        self.columns = weight.columns
        self.type = type
        self.name = weight.name
        self.bytes = bytes
        self.rowBytes = rowBytes
        self.owner = owner
        self.buffer = buffer
    }

    /// The float32 contents (only for `.f32` tensors).
    var floats: UnsafeMutablePointer<Float> {
        UnsafeMutablePointer(mutating: bytes.assumingMemoryBound(to: Float.self))
    }

    var elementCount: Int { rows * columns }
}
