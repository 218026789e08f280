import Foundation
import Sequitur
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import Testing

/// llama.cpp's own tokenizer tests (`models/ggml-vocab-*.gguf` with `.inp`/`.out`, as `tests/test-tokenizer-0`
/// runs them: no BOS, special tokens not parsed), from the llama-cpp-python 0.3.36 source package (MIT, see
/// `Tests/Fixtures/vocab/LICENSE`). Every case of every vocabulary Sequitur supports must give llama.cpp's
/// ids exactly, and llama.cpp's ids must decode to the text.
///
/// The cases are committed in `Tests/Fixtures/vocab`; the vocabularies (45 MB) are fetched by
/// `scripts/bootstrap` into `$SEQUITUR_HOME/vocab`, each checked by sha256. Without them these tests are
/// skipped, except on CI, where they must be there.
@Suite struct LlamaCppVocabularyTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vocab")
    static let fetchedDirectory = ModelLocator.cacheDirectory.appendingPathComponent("vocab")

    /// Where `ggml-vocab-<name>.gguf` is, if fetched.
    static func vocabularyFile(_ name: String) -> URL? {
        let url = fetchedDirectory.appendingPathComponent("ggml-vocab-\(name).gguf")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    static var requireFetched: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// The cases of `ggml-vocab-<name>.gguf`: the inputs split at llama.cpp's separator, each with its ids.
    static func cases(_ name: String) throws -> [(text: String, ids: [TokenID])] {
        let base = directory.appendingPathComponent("ggml-vocab-\(name).gguf")
        let input = try String(contentsOf: URL(fileURLWithPath: base.path + ".inp"), encoding: .utf8)
        let output = try String(contentsOf: URL(fileURLWithPath: base.path + ".out"), encoding: .utf8)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        // A separator at the very end closes the last input, as llama.cpp reads it: no empty case follows.
        if input.hasSuffix("\n__ggml_vocab_test__\n") { texts.removeLast() }
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try #require(texts.count == lines.count, "\(name): \(texts.count) inputs, \(lines.count) outputs")
        return try zip(texts, lines).map { text, line in
            let ids = try line.split(separator: " ").map { part -> TokenID in
                guard let id = TokenID(part) else { throw VocabularyFixtureError.notAnId(String(part), file: base.lastPathComponent) }
                return id
            }
            return (text, ids)
        }
    }

    enum VocabularyFixtureError: Error { case notAnId(String, file: String) }

    /// Every vocabulary with cases in llama.cpp's tests that is not a WordPiece or Unigram model: byte-level
    /// BPE with each pre-tokenizer, and SentencePiece BPE (llama-spm, phi-3). (gpt-neox ships without cases.)
    @Test(arguments: ["gpt-2", "llama-bpe", "qwen2", "qwen35", "starcoder", "refact", "command-r", "mpt", "falcon", "deepseek-coder", "deepseek-llm", "llama-spm", "phi-3"])
    func everyCasePasses(_ name: String) throws {
        guard let url = Self.vocabularyFile(name) else {
            if Self.requireFetched {
                Issue.record("ggml-vocab-\(name).gguf is not in \(Self.fetchedDirectory.path): run ./scripts/bootstrap")
            } else {
                print("llama.cpp vocabulary test \(name): skipped, ggml-vocab-\(name).gguf not fetched (./scripts/bootstrap)")
            }
            return
        }
        let tokenizer = try BPETokenizer(gguf: try GGUFFile(contentsOf: url))
        let cases = try Self.cases(name)
        var passed = 0
        for (text, ids) in cases {
            let got = tokenizer.encode(text, parseSpecial: false, addBOS: false)
            if got == ids { passed += 1 } else {
                Issue.record("\(name): \(text.debugDescription.prefix(80)) gives \(got), llama.cpp \(ids)")
            }
            // Both BPEs are lossless: llama.cpp's ids decode to the text, at once and streamed.
            #expect(tokenizer.decode(ids) == text, "\(name): decoding \(ids)")
            var stream = tokenizer.streamingDetokenizer()
            #expect(ids.map { stream.append($0) }.joined() + stream.finish() == text, "\(name): streaming \(ids)")
        }
        print("llama.cpp vocabulary test \(name): \(passed)/\(cases.count) cases pass")
        #expect(cases.count >= 40)
    }
}
