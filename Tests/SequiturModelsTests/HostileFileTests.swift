import Foundation
import SequiturCore
import SequiturCPU
import SequiturGGUF
import SequiturArchitectures
import SequiturDiagnostics
import Testing

/// Files that claim more than they hold, or are not files at all, are refused quickly and by name.
@Suite struct HostileFileTests {
    /// The tiny synthetic model with `llama.block_count` rewritten.
    static func tinyModel(blockCount: UInt32) throws -> GGUFFile {
        try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 5, overriding: [LlamaMetadataKey.blockCount: .uint32(blockCount)]))
    }

    @Test func aBlockCountBeyondTheFilesTensorsNamesTheFirstMissingTensor() throws {
        let layers = SyntheticLlamaShape.tiny.layers
        let vocabulary = AnonymousVocabulary(count: SyntheticLlamaShape.tiny.vocabularySize)
        // Plausible for some model, but not this file's: loading stops at the first block it lacks.
        let file = try Self.tinyModel(blockCount: 4000)
        #expect(throws: LlamaModelError.missingTensor(name: LlamaTensorName.block(layers, .attentionNorm))) {
            try LlamaModel(file: file, backend: CPUBackend(threads: 1), vocabulary: vocabulary)
        }
        // Implausible for any model: refused by key before anything is loaded.
        let huge = try Self.tinyModel(blockCount: 1_000_000_000)
        #expect(throws: LlamaModelError.invalidHyperparameter(key: "llama.block_count", value: "1000000000", reason: "must be in 1...4096")) {
            try LlamaModel(file: huge, backend: CPUBackend(threads: 1), vocabulary: vocabulary)
        }
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-fifo-\(getpid())").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect(throws: GGUFError.cannotOpen(path: path, reason: "not a regular file")) {
            try GGUFFile(contentsOf: URL(fileURLWithPath: path))
        }
    }
}
