import Foundation
import FuzzSupport
import Sequitur

// Fuzzes what happens to a model file from untrusted hands: the GGUF reader, then everything `ModelRuntime`
// and `sequitur inspect` do with it (architecture lookup, tokenizer, chat template, model load on the CPU
// backend, one forward step). Errors are the expected outcome for almost every input; a crash, trap, leak, hang
// or an allocation beyond the fuzzer's -malloc_limit_mb is a bug.

/// Far tighter than the defaults, as a caller reading small untrusted files would set them: a fuzzed file is
/// no larger than the largest seed (libFuzzer's default -max_len), and these bound what its metadata may make
/// the reader allocate beyond that.
let readLimits = GGUFReadLimits(maximumArrayDepth: 4, maximumMetadataElements: 1 << 16)

/// With SEQUITUR_FUZZ_WRITE_SEEDS=DIRECTORY set, writes the GGUF seed corpus there and exits instead of
/// fuzzing (libFuzzer calls this before anything else).
@_cdecl("LLVMFuzzerInitialize")
public func initializeFuzzGGUF(_ argc: UnsafeMutablePointer<CInt>?,
                               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    // getenv, not ProcessInfo.environment: the latter keeps a copy the leak checker reports.
    guard let variable = getenv("SEQUITUR_FUZZ_WRITE_SEEDS") else { return 0 }
    let directory = String(cString: variable)
    do {
        try GGUFSeeds.write(to: URL(fileURLWithPath: directory))
        // A seed that does not load would leave the model path unfuzzed without anyone noticing.
        for seed in try GGUFSeeds.files() where seed.name.hasPrefix("tiny-llama") {
            let file = try GGUFFile(bytes: seed.bytes, limits: readLimits)
            fuzzCheck(exerciseModel(file), "\(seed.name) does not load and run")
        }
    } catch { fatalError("writing seeds: \(error)") }
    fflush(nil)
    _exit(0)   // not exit(): the leak checker would report what the process still holds
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let file = try? GGUFFile(bytes: input.bytes, limits: readLimits) else { return 0 }
    exerciseMetadata(file)
    exerciseModel(file)
    return 0
}

/// What `sequitur inspect` reads: the summaries, every metadata value's description, every tensor's bytes.
func exerciseMetadata(_ file: GGUFFile) {
    _ = GGUFSummary(file)
    _ = try? ModelSummary(file: file)
    for key in file.metadataKeys { _ = file.metadata[key]?.description }
    for tensor in file.tensors.prefix(64) {
        fuzzCheck(file.bytes(of: tensor).count == tensor.byteCount, "tensor \(tensor.name) bytes")
        _ = try? file.dequantizeRows(tensor, rows: 0..<min(1, tensor.rows))
    }
}

/// `ModelRuntime`'s steps from an open file, on a one-thread CPU backend, then a one-token forward pass; true
/// when all of it succeeded.
@discardableResult
func exerciseModel(_ file: GGUFFile) -> Bool {
    guard let architecture = try? ArchitectureRegistry.standard.plugin(for: file),
          let tokenizer = try? BPETokenizer(gguf: file) else { return false }
    _ = tokenizer.decode(tokenizer.encode("Hello <|im_start|>world 123"))
    if let template = try? ChatTemplate(gguf: file), let special = try? ChatTemplate.specialTokenTexts(gguf: file) {
        _ = try? template.render(messages: [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true,
                                 bosToken: special.bos, eosToken: special.eos)
    }
    guard let model = try? architecture.factory(file, CPUBackend(threads: 1), tokenizer) else { return false }
    let first = tokenizer.bosID ?? 0
    return (try? model.extend([ExtensionRequest(state: model.makeState(), tokens: [first])])) != nil
}
