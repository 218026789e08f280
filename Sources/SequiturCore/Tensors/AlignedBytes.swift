/// Bytes copied into 64-byte-aligned memory that this object owns and frees: the owner behind every weight
/// built in memory rather than mapped from a file (synthetic models, kernel checks, tests), aligned like a
/// mapped GGUF's tensor data so the SIMD loads see the same alignment either way.
public final class AlignedBytes: @unchecked Sendable {
    // @unchecked Sendable: the memory is written only in `init` and freed only in `deinit`.
    public let buffer: UnsafeRawBufferPointer

    public init(copying bytes: [UInt8]) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        memory.copyBytes(from: bytes)
        buffer = UnsafeRawBufferPointer(rebasing: memory[0..<bytes.count])
    }

    deinit { UnsafeMutableRawPointer(mutating: buffer.baseAddress)?.deallocate() }
}

extension WeightTensor {
    /// A weight that owns a copy of `bytes` (already in `type`'s block layout).
    public init(name: String, type: TensorType, rows: Int, columns: Int, copying bytes: [UInt8]) {
        let owner = AlignedBytes(copying: bytes)
        self.init(name: name, type: type, rows: rows, columns: columns, bytes: owner.buffer, owner: owner)
    }
}
