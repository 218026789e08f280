import Foundation
import SequiturGGUF

/// What identifies a model file for the purposes of "were these results computed by the same model", without
/// reading gigabytes: the file's size, and a SHA-256 over
///
/// - the bytes before the tensor data: the GGUF header, every metadata key and value (architecture,
///   hyper-parameters, the tokenizer's vocabulary and merges, the chat template) and the tensor-info table
///   (every tensor's name, shape, quantisation type and offset);
/// - a sample of every tensor's data: up to `sampleBytes` from its start and as many from its middle.
///
/// The header alone would not do: a fine-tune usually keeps its base model's metadata and shapes byte for
/// byte, and differs only in the weights. A fine-tune changes (nearly) every weight, so two samples per tensor
/// tell it apart, while hashing a few hundred KiB instead of the whole file keeps the cost of a shard's start
/// at milliseconds. What this cannot see is an edit of a few weights between the samples: it is a guard
/// against running shards with different models by mistake, not a cryptographic identity of the file.
public struct ModelIdentity: Codable, Sendable, Hashable {
    public var bytes: Int
    public var sampled_sha256: String

    public static let sampleBytes = 1024

    public init(bytes: Int, sampled_sha256: String) {
        self.bytes = bytes
        self.sampled_sha256 = sampled_sha256
    }

    /// Reads the header through the file system (the parsed `GGUFFile` keeps no raw view of it) and the tensor
    /// samples from the mapped file.
    public init(file: GGUFFile, url: URL) throws {
        var hasher = SHA256()
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        hasher.update(try handle.read(upToCount: file.dataOffset) ?? Data())
        for info in file.tensors {
            let data = file.bytes(of: info)
            let head = min(Self.sampleBytes, data.count)
            hasher.update(UnsafeRawBufferPointer(rebasing: data[0 ..< head]))
            let middle = data.count / 2
            hasher.update(UnsafeRawBufferPointer(rebasing: data[middle ..< min(middle + Self.sampleBytes, data.count)]))
        }
        self.init(bytes: file.fileSize, sampled_sha256: hasher.finalize())
    }
}
