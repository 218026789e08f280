import COpenCL
import Foundation
import SequiturCore

/// The OpenCL backend: weights, activations and the KV cache live in device buffers; per step only token
/// ids, positions, slots and block tables go in, and only the asked-for log-prob data comes out.
///
/// Kernels come from `Kernels/*.cl`, embedded at build time and compiled once per device and option set per
/// process. Every op gives a row results that do not depend on the batch it is in (see `matmul.cl`).
/// Use an instance from one thread at a time.
public final class OpenCLBackend: Backend {
    /// Which matmul kernel runs. Both sum in the same order, so the choice never changes results.
    public enum MatmulPath: Sendable {
        /// The matrix-vector kernel up to `vectorRowLimit` rows, the tiled kernel beyond.
        case automatic
        case tiled
        case vector
    }

    /// Activation rows up to which `.automatic` picks the matrix-vector kernel: 8 on GPUs, where the tiled
    /// kernel's register blocking pays off early; one whole tile (64) on other devices, because on CPU drivers
    /// such as PoCL a tile costs all 64 of its rows however few exist, and the matrix-vector kernel decodes
    /// each weight block's scale once. The choice never changes results (see `MatmulPath`).
    public var vectorRowLimit: Int

    public let device: OpenCLDeviceInfo
    public var name: String { "opencl:\(device.name)" }
    /// Which matmul kernel runs (for tests and tuning; results are the same).
    public var matmulPath: MatmulPath = .automatic

    let context: OpenCLContext
    let ledger = OpenCLMemoryLedger()
    private var kernels: [String: OpenCLKernel] = [:]
    private var scratch: [String: OpenCLBuffer] = [:]
    private var ropeTables: [RotaryEmbedding: (OpenCLBuffer, Int)] = [:]

    /// Opens device `deviceIndex` of `listDevices()`, or by default the first GPU, else the first device.
    public init(deviceIndex: Int? = nil) throws {
        context = try OpenCLContext.shared(deviceIndex: deviceIndex)
        device = context.info
        vectorRowLimit = device.isGPU ? 8 : OpenCLBackend.tile
    }

    /// Every OpenCL device of every platform, in the order `init(deviceIndex:)` counts them.
    public static func listDevices() throws -> [OpenCLDeviceInfo] {
        try OpenCLDiscovery.devices().map(\.info)
    }

    /// Whether any OpenCL device can be opened here (for tests and the CLI to decide what to offer).
    public static var isAvailable: Bool {
        (try? listDevices().isEmpty == false) ?? false
    }

    public var allocatedBytes: Int { ledger.total }

    // MARK: programs and scratch

    static let coreSources = ["common", "rms_norm", "rope", "silu_mul", "gelu_mul", "scale", "add", "embedding", "gather_rows",
                              "kv_cache", "log_softmax"]

    /// Kernel `name` of the program built from `sources` with `options`.
    func kernel(_ name: String, sources: [String] = OpenCLBackend.coreSources, options: String = "") throws -> OpenCLKernel {
        let key = sources.joined(separator: "+") + "|" + options + "|" + name
        if let existing = kernels[key] { return existing }
        let program = try context.program(sources: sources, options: options)
        let created = try OpenCLKernel(context: context, program: program, name: name)
        kernels[key] = created
        return created
    }

    /// A reusable buffer of at least `bytes` bytes for per-step data (ids, slots, answers). The queue is
    /// in order and every host write blocks, so reuse never races a kernel still reading it.
    func scratchBuffer(_ purpose: String, bytes: Int) throws -> OpenCLBuffer {
        if let existing = scratch[purpose], existing.byteCount >= bytes { return existing }
        let created = try OpenCLBuffer(context: context, byteCount: max(bytes, 256), ledger: ledger)
        scratch[purpose] = created
        return created
    }

    /// `values` copied into the scratch buffer `purpose`.
    func upload(_ values: [Int32], purpose: String) throws -> OpenCLBuffer {
        let buffer = try scratchBuffer(purpose, bytes: values.count * 4)
        try buffer.write(values)
        return buffer
    }

    /// `rotary.table` for every position below `positions`, computed on the host (as the CPU reference does)
    /// and kept on the device; the table grows by doubling, so a long run uploads it O(log n) times.
    func ropeTable(_ rotary: RotaryEmbedding, positions: Int) throws -> OpenCLBuffer {
        if let (buffer, capacity) = ropeTables[rotary], capacity >= positions { return buffer }
        let capacity = max(positions, 2 * (ropeTables[rotary]?.1 ?? 0), 1024)
        let table = rotary.table(positions: 0..<capacity)
        let buffer = try OpenCLBuffer(context: context, byteCount: table.count * 4, ledger: ledger)
        try buffer.write(table)
        ropeTables[rotary] = (buffer, capacity)
        return buffer
    }

    /// Waits until every queued command has run (for timing).
    public func synchronize() throws { try context.finish() }

    // MARK: tensors

    static let weightTypes: Set<TensorType> = [.f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    public func upload(_ weight: WeightTensor) throws -> DeviceTensor {
        guard weight.rows > 0, weight.columns > 0 else {
            throw BackendError.shapeMismatch(operation: "upload", detail: "tensor '\(weight.name)' is \(weight.rows)×\(weight.columns)")
        }
        guard weight.columns % weight.type.blockSize == 0 else {
            throw BackendError.shapeMismatch(operation: "upload", detail: "tensor '\(weight.name)' has \(weight.columns) columns, not a multiple of the \(weight.type) block size \(weight.type.blockSize)")
        }
        let bytes = weight.rows * weight.rowBytes
        guard weight.bytes.count >= bytes else {
            throw BackendError.shapeMismatch(operation: "upload", detail: "tensor '\(weight.name)' (\(weight.type) \(weight.rows)×\(weight.columns)) needs \(bytes) bytes but has \(weight.bytes.count)")
        }
        // BF16 weights and half-precision vectors (norm weights) become float32: the kernels that read
        // them (matmul aside) take float32, and these tensors are small or rare.
        if weight.type == .bf16 || (weight.type == .f16 && weight.rows == 1) {
            let floats = try Dequantization.dequantize(weight.type, bytes: UnsafeRawBufferPointer(rebasing: weight.bytes[0..<bytes]),
                                                       count: weight.rows * weight.columns)
            let buffer = try OpenCLBuffer(context: context, byteCount: floats.count * 4, ledger: ledger)
            try buffer.write(floats)
            return OpenCLTensor(rows: weight.rows, columns: weight.columns, type: .f32, name: weight.name, buffer: buffer, owner: ObjectIdentifier(self))
        }
        guard OpenCLBackend.weightTypes.contains(weight.type) else {
            throw BackendError.unsupportedWeightType(backend: name, tensor: weight.name, type: weight.type.description)
        }
        let buffer = try OpenCLBuffer(context: context, byteCount: bytes, ledger: ledger)
        try buffer.write(UnsafeRawBufferPointer(rebasing: weight.bytes[0..<bytes]))
        return OpenCLTensor(rows: weight.rows, columns: weight.columns, type: weight.type, name: weight.name, buffer: buffer, owner: ObjectIdentifier(self))
    }

    public func makeActivations(rows: Int, columns: Int) throws -> DeviceTensor {
        guard rows >= 0, columns > 0 else {
            throw BackendError.shapeMismatch(operation: "makeActivations", detail: "\(rows)×\(columns)")
        }
        let buffer = try OpenCLBuffer(context: context, byteCount: rows * columns * 4, ledger: ledger)
        return OpenCLTensor(rows: rows, columns: columns, type: .f32, name: "activations", buffer: buffer, owner: ObjectIdentifier(self))
    }

    public func read(_ tensor: DeviceTensor) throws -> [Float] {
        let t = try activation(tensor, "read")
        return try t.buffer.read(Float.self, count: t.rows * t.columns)
    }

    public func write(_ values: [Float], to tensor: DeviceTensor) throws {
        let t = try activation(tensor, "write")
        guard values.count == t.rows * t.columns else {
            throw BackendError.shapeMismatch(operation: "write", detail: "\(values.count) values for \(t.rows)×\(t.columns)")
        }
        try t.buffer.write(values)
    }

    /// Fills a float32 tensor with `value` on the device (tests poison outputs with NaN).
    public func fill(_ tensor: DeviceTensor, with value: Float) throws {
        try activation(tensor, "fill").buffer.fill(value)
    }

    // MARK: validation

    func own(_ tensor: DeviceTensor, _ operation: String) throws -> OpenCLTensor {
        guard let t = tensor as? OpenCLTensor, t.owner == ObjectIdentifier(self) else {
            throw BackendError.foreignTensor(backend: name, operation: operation)
        }
        return t
    }

    func activation(_ tensor: DeviceTensor, _ operation: String) throws -> OpenCLTensor {
        let t = try own(tensor, operation)
        guard t.type == .f32 else {
            throw BackendError.shapeMismatch(operation: operation, detail: "tensor '\(t.name)' is \(t.type), expected F32")
        }
        return t
    }

    func ownCache(_ cache: KVCacheStorage, _ operation: String) throws -> OpenCLKVCache {
        guard let c = cache as? OpenCLKVCache, c.owner == ObjectIdentifier(self) else {
            throw BackendError.foreignTensor(backend: name, operation: operation)
        }
        return c
    }
}
