import COpenCL
import Foundation

/// Counts the bytes of device memory a backend holds; buffers subtract themselves when released.
final class OpenCLMemoryLedger {
    private(set) var total = 0
    func add(_ bytes: Int) { total += bytes }
    func remove(_ bytes: Int) { total -= bytes }
}

/// A device buffer (`cl_mem`), released when the last reference goes.
final class OpenCLBuffer {
    let mem: cl_mem
    let byteCount: Int
    private let context: OpenCLContext
    private let ledger: OpenCLMemoryLedger?

    /// A buffer of `byteCount` bytes (at least 4: OpenCL rejects empty buffers), contents undefined.
    init(context: OpenCLContext, byteCount: Int, ledger: OpenCLMemoryLedger?) throws {
        let size = max(byteCount, 4)
        var status: cl_int = 0
        guard let mem = clCreateBuffer(context.context, cl_mem_flags(CL_MEM_READ_WRITE), size, nil, &status),
              status == CL_SUCCESS else {
            throw OpenCLError.call(function: "clCreateBuffer", code: status, detail: "\(size) bytes on \(context.info.name)")
        }
        self.mem = mem
        self.byteCount = size
        self.context = context
        self.ledger = ledger
        ledger?.add(size)
    }

    deinit {
        clReleaseMemObject(mem)
        ledger?.remove(byteCount)
    }

    /// Copies `bytes` to the buffer at `offset`, returning once the host memory may be reused.
    func write(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) throws {
        guard bytes.count > 0 else { return }
        guard let base = bytes.baseAddress, offset + bytes.count <= byteCount else {
            throw OpenCLError.call(function: "clEnqueueWriteBuffer", code: CL_INVALID_VALUE,
                                   detail: "\(bytes.count) bytes at \(offset) into a \(byteCount)-byte buffer")
        }
        try clCheck(clEnqueueWriteBuffer(context.queue, mem, cl_bool(CL_TRUE), offset, bytes.count, base, 0, nil, nil),
                    "clEnqueueWriteBuffer", "\(bytes.count) bytes")
    }

    func write<T>(_ values: [T], offset: Int = 0) throws {
        try values.withUnsafeBytes { try write($0, offset: offset) }
    }

    /// Copies `count` elements from the buffer (at byte `offset`) to the host, waiting for queued work.
    func read<T>(_ type: T.Type, count: Int, offset: Int = 0) throws -> [T] where T: BitwiseCopyable {
        guard count > 0 else { return [] }
        let bytes = count * MemoryLayout<T>.stride
        guard offset + bytes <= byteCount else {
            throw OpenCLError.call(function: "clEnqueueReadBuffer", code: CL_INVALID_VALUE,
                                   detail: "\(bytes) bytes at \(offset) from a \(byteCount)-byte buffer")
        }
        return try [T](unsafeUninitializedCapacity: count) { pointer, initialized in
            try clCheck(clEnqueueReadBuffer(context.queue, mem, cl_bool(CL_TRUE), offset, bytes, pointer.baseAddress, 0, nil, nil),
                        "clEnqueueReadBuffer", "\(bytes) bytes")
            initialized = count
        }
    }

    /// Queues a device-side copy of `bytes` bytes from `source` (no host round trip).
    func copy(from source: OpenCLBuffer, sourceOffset: Int, offset: Int, bytes: Int) throws {
        guard bytes > 0 else { return }
        try clCheck(clEnqueueCopyBuffer(context.queue, source.mem, mem, sourceOffset, offset, bytes, 0, nil, nil),
                    "clEnqueueCopyBuffer", "\(bytes) bytes")
    }

    /// Fills the buffer with copies of `pattern` (a float, say NaN to poison an output).
    func fill(_ pattern: Float) throws {
        try fill(pattern, offset: 0, bytes: byteCount / 4 * 4)
    }

    /// Fills `bytes` bytes from `offset` (both multiples of 4) with copies of `pattern`.
    func fill(_ pattern: Float, offset: Int, bytes: Int) throws {
        guard bytes > 0 else { return }
        var value = pattern
        try clCheck(clEnqueueFillBuffer(context.queue, mem, &value, 4, offset, bytes, 0, nil, nil),
                    "clEnqueueFillBuffer", "\(bytes) bytes at \(offset)")
    }
}
