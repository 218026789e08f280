import Foundation

/// The GGUF seed files of Corpus/fuzz-gguf, written by the library's own `GGUFWriter` so that they follow the
/// format the library reads.
public enum GGUFSeeds {
    public static func files() throws -> [(name: String, bytes: [UInt8])] {
        [
            ("tiny-llama-f32.gguf.bin", try TinyLlamaFile.float32.bytes()),
            ("tiny-llama-quantized-chat.gguf.bin", try TinyLlamaFile.quantized.bytes()),
            ("metadata-zoo.gguf.bin", try TinyLlamaFile.metadataZoo()),
        ]
    }

    /// Writes every seed into `directory`, refusing any over 64 KiB (small seeds keep mutations fast).
    public static func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, bytes) in try files() {
            precondition(bytes.count <= 64 << 10, "\(name) is \(bytes.count) bytes; seeds stay under 64 KiB")
            try Data(bytes).write(to: directory.appendingPathComponent(name))
            print("\(name): \(bytes.count) bytes")
        }
    }
}
