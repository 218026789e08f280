// swift-tools-version: 6.0
// Sequitur: scoring and decoding with causal language models, on CPU and OpenCL.
import PackageDescription

let package = Package(
    name: "Sequitur",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Sequitur", targets: ["Sequitur"]),
        .executable(name: "sequitur", targets: ["sequitur"]),
        // Toy models for testing decoders outside this package (Examples/ExternalDecoder uses it).
        .library(name: "SequiturTesting", targets: ["SequiturTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // Protocols, value types, configuration and log-prob math. No dependencies.
        .target(name: "SequiturCore"),

        // SIMD hot loops in C, compiled per function for AVX2/FMA and chosen at run time.
        .target(name: "CSequiturKernels"),

        // GGUF reader/writer, byte-level BPE tokenizer, the llama architecture and the KV block cache.
        .target(name: "SequiturModels", dependencies: ["SequiturCore"]),

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
            dependencies: ["SequiturCore", "SequiturCPU", "COpenCL"],
            plugins: ["EmbedKernels"]
        ),

        // Decoders (greedy, beam, exhaustive, sampling) and their registry.
        .target(
            name: "SequiturDecoders",
            dependencies: ["SequiturCore", "SequiturScoring", .product(name: "Collections", package: "swift-collections")]
        ),

        // Scorers: joint-minus-marginal, direct, shared-prefix.
        .target(name: "SequiturScoring", dependencies: ["SequiturCore"]),

        // Umbrella: re-exports everything and assembles a pipeline from a configuration.
        .target(
            name: "Sequitur",
            dependencies: [
                "SequiturCore", "SequiturModels", "SequiturCPU", "SequiturOpenCL",
                "SequiturDecoders", "SequiturScoring",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Small deterministic language models for tests and for library users testing their own decoders.
        .target(name: "SequiturTesting", dependencies: ["SequiturCore", "SequiturModels"]),

        .executableTarget(
            name: "sequitur",
            dependencies: ["Sequitur", "SequiturTesting", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "SequiturCoreTests", dependencies: ["SequiturCore"]),
        .testTarget(name: "SequiturModelsTests", dependencies: ["SequiturModels", "SequiturCPU", "SequiturTesting"]),
        .testTarget(name: "SequiturCPUTests", dependencies: ["SequiturCPU", "SequiturModels"]),
        // The model tests also drive decoders and scorers end to end on both backends.
        .testTarget(name: "SequiturOpenCLTests", dependencies: ["Sequitur", "SequiturTesting"]),
        .testTarget(name: "SequiturDecodersTests", dependencies: ["SequiturDecoders", "SequiturScoring", "SequiturTesting"]),
        .testTarget(name: "SequiturScoringTests", dependencies: ["SequiturScoring", "SequiturTesting"]),
        .testTarget(name: "SequiturTests", dependencies: ["Sequitur", "SequiturTesting"]),
        .testTarget(name: "SequiturIntegrationTests", dependencies: ["Sequitur", "SequiturTesting"]),
    ]
)
