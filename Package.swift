// swift-tools-version: 6.0
// Sequitur: scoring and decoding with causal language models, on CPU and OpenCL.
import PackageDescription

let package = Package(
    name: "Sequitur",
    platforms: [.macOS(.v13)],
    products: [
        // Everything a CPU-only user needs: `import Sequitur`. It does not link OpenCL.
        .library(name: "Sequitur", targets: ["Sequitur"]),
        // The OpenCL backend, for users who have an OpenCL loader: `import SequiturOpenCL` and register
        // `OpenCLBackend.registryEntry` in a `BackendRegistry`.
        .library(name: "SequiturOpenCL", targets: ["SequiturOpenCL"]),
        .executable(name: "sequitur", targets: ["sequitur"]),
        // Toy models for testing decoders outside this package (Examples/ExternalDecoder uses it).
        .library(name: "SequiturTesting", targets: ["SequiturTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        // `sequitur serve` only: the HTTP server, its logging, metrics and signal handling.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Protocols, value types, configuration, registries of backends, and log-prob math. No dependencies.
        .target(name: "SequiturCore"),

        // SIMD hot loops in C, compiled per function for AVX2/FMA and chosen at run time.
        .target(name: "CSequiturKernels"),

        // GGUF files: memory-mapped reader with bounds checks, writer, metadata access.
        .target(name: "SequiturGGUF", dependencies: ["SequiturCore"]),

        // Byte-level and SentencePiece BPE tokenizers (encode, decode, streaming detokenizer), built from GGUF metadata.
        .target(name: "SequiturTokenizer", dependencies: ["SequiturCore", "SequiturGGUF"]),

        // The Jinja subset chat templates use, and chat templates rendered with it. Knows nothing of GGUF.
        .target(name: "SequiturJinja", dependencies: ["SequiturCore"]),

        // Model architectures over `Backend` (llama), their registry keyed by `general.architecture`, and the
        // paged KV block cache they share.
        .target(name: "SequiturArchitectures", dependencies: ["SequiturCore", "SequiturGGUF"]),

        // The reference backend.
        .target(name: "SequiturCPU", dependencies: ["SequiturCore", "CSequiturKernels"]),

        // OpenCL through the system ICD loader; kernels embedded from Kernels/ by a build-tool plugin.
        .systemLibrary(
            name: "COpenCL",
            pkgConfig: "OpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]
        ),
        .executableTarget(name: "KernelEmbedder"),
        .plugin(name: "EmbedKernels", capability: .buildTool(), dependencies: ["KernelEmbedder"]),
        .target(
            name: "SequiturOpenCL",
            dependencies: ["SequiturCore", "COpenCL"],
            plugins: ["EmbedKernels"]
        ),

        // Scorers: joint-minus-marginal, direct, shared-prefix, conversations.
        .target(name: "SequiturScoring", dependencies: ["SequiturCore"]),

        // Grammars for constrained decoding: GBNF (llama.cpp's format), JSON Schema and regular expressions
        // compiled to one byte-level pushdown automaton, and next-token masks over a vocabulary's token bytes.
        // Knows nothing of models or decoders.
        .target(name: "SequiturGrammar", dependencies: ["SequiturCore"]),

        // Decoders (greedy, beam, exhaustive, sampling), the public kit they are built from, and their registry.
        .target(
            name: "SequiturDecoders",
            dependencies: [
                "SequiturCore", "SequiturScoring", "SequiturGrammar",
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),

        // Umbrella: re-exports every CPU-side module and assembles a runtime from a configuration.
        .target(
            name: "Sequitur",
            dependencies: [
                "SequiturCore", "SequiturGGUF", "SequiturTokenizer", "SequiturJinja", "SequiturArchitectures",
                "SequiturCPU", "SequiturDecoders", "SequiturScoring", "SequiturGrammar",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Checks and benchmarks a release binary runs on any machine: the kernel check of any backend against
        // the CPU reference, synthetic models of a real model's shape, tokenizer and conversation benchmarks.
        // Only the command line and the tests depend on it.
        .target(
            name: "SequiturDiagnostics",
            dependencies: [
                "SequiturCore", "SequiturGGUF", "SequiturTokenizer", "SequiturArchitectures", "SequiturCPU",
                "SequiturScoring",
            ]
        ),

        // `sequitur serve`: an OpenAI-compatible HTTP server over a `ModelRuntime`, whose scheduler merges the
        // forward passes of concurrent requests into one batched `extend` (continuous batching).
        .target(
            name: "SequiturServer",
            dependencies: [
                "Sequitur",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Small deterministic language models for tests and for library users testing their own decoders.
        .target(name: "SequiturTesting", dependencies: ["SequiturCore"]),

        .executableTarget(
            name: "sequitur",
            dependencies: [
                "Sequitur", "SequiturOpenCL", "SequiturDiagnostics", "SequiturServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .testTarget(name: "SequiturCoreTests", dependencies: ["SequiturCore"]),
        // The grammar tests also decode under grammars on the default model, checked by their own oracles.
        .testTarget(name: "SequiturGrammarTests", dependencies: ["SequiturGrammar", "Sequitur"]),
        // GGUF, tokenizer, Jinja and architecture tests (the modules that read a model file), and the umbrella's
        // glue between them (a chat template read from a GGUF).
        .testTarget(
            name: "SequiturModelsTests",
            dependencies: [
                "SequiturGGUF", "SequiturTokenizer", "SequiturJinja", "SequiturArchitectures", "SequiturCPU",
                "SequiturDiagnostics", "Sequitur",
            ]
        ),
        .testTarget(name: "SequiturCPUTests", dependencies: ["SequiturCPU", "SequiturArchitectures"]),
        // The model tests also drive decoders and scorers end to end on both backends.
        .testTarget(name: "SequiturOpenCLTests", dependencies: ["Sequitur", "SequiturOpenCL", "SequiturDiagnostics"]),
        .testTarget(name: "SequiturDecodersTests", dependencies: ["SequiturDecoders", "SequiturScoring", "SequiturTesting", "SequiturGrammar"]),
        .testTarget(name: "SequiturScoringTests", dependencies: ["SequiturScoring", "SequiturTesting"]),
        .testTarget(name: "SequiturDiagnosticsTests", dependencies: ["SequiturDiagnostics", "Sequitur"]),
        .testTarget(name: "SequiturTests", dependencies: ["Sequitur", "SequiturTesting", "SequiturDiagnostics"]),
        .testTarget(
            name: "SequiturServerTests",
            dependencies: [
                "SequiturServer", "SequiturTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "SequiturIntegrationTests", dependencies: ["Sequitur", "SequiturTesting", "SequiturDiagnostics"]),
    ]
)
