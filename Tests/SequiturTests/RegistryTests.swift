import Foundation
import Sequitur
import SequiturDiagnostics
import SequiturTesting
import Testing

/// Backends and architectures are found by name in registries; unknown names are errors that list what is
/// registered, and a runtime is assembled from whatever the registries hold.
@Suite struct RegistryTests {
    /// A synthetic tiny llama file on disk, with `general.architecture` replaced when asked.
    static func tinyModelFile(architecture: String? = nil) throws -> URL {
        let bytes = try SyntheticModels.llamaGGUF(
            .tiny, seed: 3, overriding: architecture.map { [ArchitectureRegistry.architectureKey: .string($0)] } ?? [:])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-registry-\(UUID().uuidString).gguf")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func backendsAreFoundByNameAndUnknownNamesListTheRegistered() throws {
        let backends = BackendRegistry.standard
        #expect(backends.names == ["cpu"])
        #expect(try backends.make("cpu", options: BackendOptions(threads: 1)).name.hasPrefix("cpu"))
        #expect(throws: ConfigurationError.unknownName(path: "backend", name: "cuda", valid: ["cpu"])) {
            try backends.make("cuda")
        }
        #expect(throws: ConfigurationError.invalidValue(path: "threads", message: "must be at least 1, got 0")) {
            try backends.make("cpu", options: BackendOptions(threads: 0))
        }
    }

    @Test func aRegisteredBackendReplacesOneOfTheSameName() throws {
        var backends = BackendRegistry.standard
        backends.register(BackendPlugin(name: "cpu", summary: "one thread") { _ in CPUBackend(threads: 1) })
        #expect(backends.names == ["cpu"])
        #expect(backends.all.map(\.summary) == ["one thread"])
    }

    @Test func theRuntimeBuildsTheArchitectureTheFileDeclares() throws {
        let url = try Self.tinyModelFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let runtime = try ModelRuntime(configuration: SequiturConfiguration(model: url.path, threads: 1))
        #expect(runtime.model is LlamaModel)
        #expect(runtime.backend is CPUBackend)
    }

    @Test func anUnknownArchitectureIsNamedBeforeAnyBackendIsOpened() throws {
        let url = try Self.tinyModelFile(architecture: "gpt2")
        defer { try? FileManager.default.removeItem(at: url) }
        // The backend name is wrong too: the architecture error must come first, naming what is registered.
        #expect(throws: ArchitectureError.unknown(name: "gpt2", registered: ["gemma2", "gemma3", "llama", "phi3", "qwen2", "qwen3"])) {
            try ModelRuntime(configuration: SequiturConfiguration(model: url.path, backend: "nonexistent"))
        }
        // Registered, the same file is built by the registered plugin, whatever it returns.
        var architectures = ArchitectureRegistry.standard
        architectures.register(ArchitecturePlugin(name: "gpt2", summary: "a toy stand-in") { _, _, _ in
            RandomLanguageModel(seed: 1, vocabularySize: 10)
        })
        let runtime = try ModelRuntime(configuration: SequiturConfiguration(model: url.path, threads: 1), architectures: architectures)
        #expect(runtime.model is RandomLanguageModel)
    }

    @Test func aFileWithoutAnArchitectureStringIsRefusedByKey() throws {
        let registry = ArchitectureRegistry.standard
        let missing = try GGUFWriter()
        try missing.addMetadata("general.name", .string("no architecture"))
        #expect(throws: ArchitectureError.missingArchitecture(key: "general.architecture", registered: ["gemma2", "gemma3", "llama", "phi3", "qwen2", "qwen3"])) {
            try registry.plugin(for: GGUFFile(bytes: missing.serialized()))
        }
        let number = try GGUFWriter()
        try number.addMetadata("general.architecture", .uint32(7))
        #expect(throws: ArchitectureError.self) { try registry.plugin(for: GGUFFile(bytes: number.serialized())) }
    }
}
