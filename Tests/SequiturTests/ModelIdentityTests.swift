import Foundation
import Testing
import Sequitur
import SequiturDiagnostics

@Suite struct ModelIdentityTests {
    static func identity(of url: URL) throws -> ModelIdentity {
        try ModelIdentity(file: GGUFFile(contentsOf: url), url: url)
    }

    @Test func isTheSameForTheSameBytesAndDiffersForOtherWeightsOrMetadata() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-identity-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.gguf"), again = dir.appendingPathComponent("again.gguf")
        try SyntheticModels.writeLlamaGGUF(.tiny, seed: 1, to: a)
        try SyntheticModels.writeLlamaGGUF(.tiny, seed: 1, to: again)
        #expect(try Self.identity(of: a) == Self.identity(of: again), "the path is not part of the identity")

        // A fine-tune: the same header, other weights. One byte at the middle of a tensor is enough to see.
        let file = try GGUFFile(contentsOf: a)
        let tensor = file.tensors[file.tensors.count / 2]
        var bytes = try Data(contentsOf: a)
        bytes[file.dataOffset + tensor.offset + tensor.byteCount / 2] ^= 0xFF
        let tuned = dir.appendingPathComponent("tuned.gguf")
        try bytes.write(to: tuned)
        #expect(try Self.identity(of: tuned) != Self.identity(of: a))

        let renamed = dir.appendingPathComponent("renamed.gguf")
        try Data(SyntheticModels.llamaGGUF(.tiny, seed: 1, overriding: ["general.name": .string("another")])).write(to: renamed)
        #expect(try Self.identity(of: renamed) != Self.identity(of: a))
    }
}
