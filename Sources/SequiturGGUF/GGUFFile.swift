import Foundation
import SequiturCore

/// A GGUF (v2 or v3) model file: its metadata, its tensor directory, and its tensor data, borrowed in place
/// from a read-only memory map.
///
/// ```swift
/// let file = try GGUFFile(contentsOf: url)
/// let layers = try file.int("llama.block_count")
/// let tokens = try file.stringArray("tokenizer.ggml.tokens")
/// let wq = try file.weight(named: "blk.0.attn_q.weight")   // borrows the mapped bytes
/// ```
///
/// The whole header is validated when the file is opened: every count, length and offset is checked against
/// the file's size before it is used, and every tensor's data must lie, aligned, inside the file. A corrupt
/// or truncated file is a thrown `GGUFError` that says what and where, never a crash.
public final class GGUFFile: @unchecked Sendable {
    // Sendable: every stored property is immutable after init, and the bytes are read-only.

    /// The format version: 2 or 3.
    public let version: Int
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Metadata by key.
    public let metadata: [String: GGUFValue]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of the data section and of each tensor's offset (`general.alignment`, default 32).
    public let alignment: Int
    /// Absolute byte offset of the data section in the file.
    public let dataOffset: Int
    /// The file's size in bytes.
    public var fileSize: Int { storage.count }
    /// The path the file was read from; nil for bytes given in memory.
    public let path: String?

    private let storage: GGUFBytes
    private let tensorIndex: [String: Int]

    /// Opens and memory-maps the file at `url` and validates its header. Nothing but the header is read
    /// until tensors are used. Errors are `GGUFError.inFile(path:_:)` wrapping what was wrong.
    public convenience init(contentsOf url: URL, limits: GGUFReadLimits = .default) throws {
        let path = url.path
        let storage = try GGUFBytes(mapping: path)
        do {
            try self.init(storage: storage, path: path, limits: limits)
        } catch let error as GGUFError {
            throw GGUFError.inFile(path: path, error)
        }
    }

    /// Parses a GGUF file held in memory (the bytes are copied once). Meant for tests and small files.
    public convenience init(bytes: [UInt8], limits: GGUFReadLimits = .default) throws {
        try self.init(storage: try GGUFBytes(copying: bytes), path: nil, limits: limits)
    }

    private init(storage: GGUFBytes, path: String?, limits: GGUFReadLimits) throws {
        var parser = GGUFParser(base: storage.base, size: storage.count, limits: limits)
        let header = try parser.parse()
        self.storage = storage
        self.path = path
        version = header.version
        metadataKeys = header.metadataKeys
        metadata = header.metadata
        tensors = header.tensors
        alignment = header.alignment
        dataOffset = header.dataOffset
        var index: [String: Int] = [:]
        index.reserveCapacity(header.tensors.count)
        for (position, tensor) in header.tensors.enumerated() { index[tensor.name] = position }
        tensorIndex = index
    }

    // MARK: Tensors

    /// The tensor called `name`, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor called `name`, or a `tensorNotFound` error.
    public func requireTensor(named name: String) throws -> GGUFTensorInfo {
        guard let info = tensor(named: name) else { throw GGUFError.tensorNotFound(name) }
        return info
    }

    /// The data of `info` (which must come from this file), borrowed from the file's memory. Valid while the
    /// file object lives.
    public func bytes(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        // The parser checked dataOffset + offset + byteCount <= fileSize for every tensor of this file.
        precondition(tensor(named: info.name) == info, "tensor info '\(info.name)' does not belong to this file")
        return UnsafeRawBufferPointer(start: storage.base + dataOffset + info.offset, count: info.byteCount)
    }

    /// The tensor called `name` as a weight matrix: `columns` = `ne[0]`, `rows` = the product of the other
    /// dimensions. The bytes stay in the mapped file, which the weight keeps alive through `owner`.
    public func weight(named name: String) throws -> WeightTensor {
        let info = try requireTensor(named: name)
        return WeightTensor(
            name: info.name, type: info.type, rows: info.rows, columns: info.columns, bytes: bytes(of: info),
            owner: self)
    }

    /// All elements of `info` as float32, in file order (`ne[0]` fastest).
    public func dequantize(_ info: GGUFTensorInfo) throws -> [Float] {
        do {
            return try Dequantization.dequantize(info.type, bytes: bytes(of: info), count: info.elementCount)
        } catch let error as QuantizationError {
            throw GGUFError.dequantization(tensor: info.name, reason: error.description)
        }
    }

    /// Rows `rows` of `info` (each `info.columns` floats) as float32: one embedding row without decoding the
    /// whole table.
    public func dequantizeRows(_ info: GGUFTensorInfo, rows: Range<Int>) throws -> [Float] {
        guard rows.lowerBound >= 0, rows.upperBound <= info.rows else {
            throw GGUFError.dequantization(
                tensor: info.name, reason: "rows \(rows) out of range 0..<\(info.rows)")
        }
        let count = rows.count * info.columns
        do {
            return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if let out = buffer.baseAddress {
                    try Dequantization.dequantizeRows(
                        info.type, bytes: bytes(of: info), columns: info.columns, rows: rows, into: out)
                }
                initialized = count
            }
        } catch let error as QuantizationError {
            throw GGUFError.dequantization(tensor: info.name, reason: error.description)
        }
    }
}
