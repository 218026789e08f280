// swift-tools-version: 6.0
// Coverage-guided fuzz targets for Sequitur's readers of untrusted input (GGUF files and model loading, the
// tokenizer, chat templates, configuration files, JSONL requests, grammar constraints). A package of its own so
// that the library package never carries sanitizer or fuzzer flags: `../scripts/fuzz` builds it with
// `--sanitize=fuzzer` plus AddressSanitizer, which instruments Sequitur's modules too, and runs each target.
//
// Each `fuzz-*` executable defines only `LLVMFuzzerTestOneInput`; libFuzzer supplies `main`, so they link only
// in a fuzzer build. The GGUF seeds are written by `fuzz-gguf` itself (SEQUITUR_FUZZ_WRITE_SEEDS, see
// FuzzGGUF.swift), so regenerating them needs no second, unsanitized build of the library.
import PackageDescription

let fuzzTargets = ["fuzz-gguf", "fuzz-tokenizer", "fuzz-chat-template", "fuzz-configuration", "fuzz-jsonl", "fuzz-grammar"]

let package = Package(
    name: "SequiturFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Sequitur", path: ".."),
    ],
    targets: [
        // What several targets share: a small byte-level BPE vocabulary, a tiny llama GGUF, the SmolLM2 chat
        // template, and a reader of the fuzzer's bytes.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "Sequitur", package: "Sequitur"),
                .product(name: "SequiturTesting", package: "Sequitur"),
            ]
        ),
    ] + fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport"])
    }
)
