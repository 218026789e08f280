import CSequiturKernels
import Foundation
import SequiturCore

/// The reference backend: every op on the host CPU, in float32, multithreaded over contiguous row ranges.
///
/// Matmul works directly on the quantised weights (F32, F16, BF16, Q8_0, Q4_0, Q4_1), dequantising blocks on
/// the fly; activations are never quantised. Hot loops are C (`CSequiturKernels`) with AVX-512 and AVX2/FMA paths
/// chosen at run time and a portable path, all giving bitwise the same results. Every reduction has a fixed order, so
/// a row's results never depend on the batch it is in or on the thread count.
///
/// Use it from one thread at a time (ops parallelise internally).
public final class CPUBackend: Backend {
    public var name: String { "cpu" }
    /// How many threads an op splits its work into.
    public let threads: Int
    /// The kernels that run (every path gives the same results).
    public let kernels: CPUKernelPath

    let ledger: MemoryLedger
    /// The `threads − 1` workers that run ops' chunks beside the calling thread.
    let pool: WorkerPool
    /// Per-thread scratch (matmul panels, attention scores), grown on demand; index = chunk index.
    private var scratch: [AlignedFloatBuffer] = []
    /// RoPE angles of the last (base, dimension) used.
    var rotaryTables: [RotaryEmbedding: RotaryTable] = [:]
    /// The slot lists of the last attention batch: every layer of a step attends over the same batch. They
    /// depend on the cache only through its `layout`.
    var lastAttentionSlots: (batch: AttentionBatch, layout: CPUKVCache.Layout, slots: [[Int]])?

    /// - Parameters:
    ///   - threads: worker threads per op; nil means all active cores.
    ///   - kernels: the widest kernel path to run (narrowed to what the CPU has); narrower paths are for
    ///     testing that every path agrees and for timing one against another.
    /// `memoryLimit` bounds the bytes the backend allocates (activations, KV cache, copied weights; mapped
    /// weights are the page cache's): past it an allocation throws `BackendError.outOfMemory`. By default it is
    /// the machine's physical memory.
    public init(threads: Int? = nil, kernels: CPUKernelPath = .widestSupported, memoryLimit: Int? = nil) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.ledger = MemoryLedger(limit: memoryLimit ?? Int(clamping: ProcessInfo.processInfo.physicalMemory))
        self.kernels = min(kernels, .widestSupported)
        self.pool = WorkerPool(workers: self.threads - 1)
    }

    public var allocatedBytes: Int { ledger.total }

    /// The `use_simd` argument of the C kernels (a `SQ_KERNELS_*` value).
    var simdFlag: Int32 { Int32(kernels.rawValue) }

    // MARK: tensors

    public func upload(_ weight: WeightTensor) throws -> DeviceTensor {
        guard weight.rows > 0, weight.columns > 0 else {
            throw BackendError.shapeMismatch(operation: "upload", detail: "tensor '\(weight.name)' is \(weight.rows)×\(weight.columns)")
        }
        guard sq_type_is_supported(Int32(weight.type.rawValue)) != 0 else {
            throw BackendError.unsupportedWeightType(backend: name, tensor: weight.name, type: weight.type.description)
        }
        guard let rowBytes = weight.type.byteCount(elements: weight.columns) else {
            throw BackendError.shapeMismatch(operation: "upload",
                detail: "tensor '\(weight.name)' has \(weight.columns) columns, not a whole number of \(weight.type) blocks of \(weight.type.blockSize)")
        }
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: weight.rows)
        guard !overflow, let base = weight.bytes.baseAddress, weight.bytes.count >= total else {
            throw BackendError.shapeMismatch(operation: "upload",
                detail: "tensor '\(weight.name)' (\(weight.type) \(weight.rows)×\(weight.columns)) needs \(total) bytes, has \(weight.bytes.count)")
        }
        // Vectors (norm weights) become owned float32 so element-wise ops can read them directly.
        let aligned = Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0
        if weight.rows == 1 && !(weight.type == .f32 && aligned && weight.owner != nil) {
            let floats = try AlignedFloatBuffer(count: weight.columns, ledger: ledger, backendName: name)
            sq_dequantize_rows(Int32(weight.type.rawValue), base, rowBytes, 1, weight.columns, floats.pointer,
                               weight.columns, simdFlag)
            return CPUTensor(weight: weight, bytes: UnsafeRawPointer(floats.pointer), type: .f32,
                             rowBytes: weight.columns * 4, owner: nil, buffer: floats)
        }
        // A weight without an owner is copied as it is, since nothing would keep its bytes alive.
        if weight.owner == nil {
            let copy = try AlignedFloatBuffer(count: (total + 3) / 4, ledger: ledger, backendName: name)
            UnsafeMutableRawPointer(copy.pointer).copyMemory(from: base, byteCount: total)
            return CPUTensor(weight: weight, bytes: UnsafeRawPointer(copy.pointer), type: weight.type,
                             rowBytes: rowBytes, owner: nil, buffer: copy)
        }
        return CPUTensor(weight: weight, bytes: base, type: weight.type, rowBytes: rowBytes, owner: weight.owner, buffer: nil)
    }

    public func makeActivations(rows: Int, columns: Int) throws -> DeviceTensor {
        guard rows >= 0, columns >= 0 else {
            throw BackendError.shapeMismatch(operation: "makeActivations", detail: "\(rows)×\(columns)")
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow else { throw BackendError.outOfMemory(backend: name, requestedBytes: Int.max) }
        return CPUTensor(rows: rows, columns: columns, buffer: try AlignedFloatBuffer(count: count, ledger: ledger, backendName: name))
    }

    public func read(_ tensor: DeviceTensor) throws -> [Float] {
        let t = try activation(tensor, "read")
        return Array(UnsafeBufferPointer(start: t.floats, count: t.elementCount))
    }

    public func write(_ values: [Float], to tensor: DeviceTensor) throws {
        let t = try activation(tensor, "write")
        guard values.count == t.elementCount else {
            throw BackendError.shapeMismatch(operation: "write", detail: "\(values.count) values for \(t.rows)×\(t.columns)")
        }
        values.withUnsafeBufferPointer { t.floats.update(from: $0.baseAddress!, count: values.count) }
    }

    // MARK: checking arguments

    /// `tensor` as a CPU tensor, or a `foreignTensor` error.
    func cpu(_ tensor: DeviceTensor, _ operation: String) throws -> CPUTensor {
        guard let t = tensor as? CPUTensor else { throw BackendError.foreignTensor(backend: name, operation: operation) }
        return t
    }

    /// `tensor` as a float32 CPU tensor (activations, or a float32 vector weight).
    func activation(_ tensor: DeviceTensor, _ operation: String) throws -> CPUTensor {
        let t = try cpu(tensor, operation)
        guard t.type == .f32, t.rowBytes == t.columns * MemoryLayout<Float>.stride else {
            throw BackendError.shapeMismatch(operation: operation, detail: "'\(t.name)' is \(t.type), expected float32 activations")
        }
        return t
    }

    // MARK: scratch

    /// Scratch buffers for `chunks` threads with at least `floats` floats each.
    func scratchBuffers(chunks: Int, floats: Int) throws -> [UnsafeMutablePointer<Float>] {
        for i in 0..<chunks where i >= scratch.count || scratch[i].count < floats {
            let buffer = try AlignedFloatBuffer(count: floats, ledger: ledger, backendName: name)
            if i < scratch.count { scratch[i] = buffer } else { scratch.append(buffer) }
        }
        return scratch.prefix(chunks).map(\.pointer)
    }
}
