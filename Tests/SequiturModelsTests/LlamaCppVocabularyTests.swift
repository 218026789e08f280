import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import Testing

/// llama.cpp's own tokenizer tests (`models/ggml-vocab-*.gguf` with `.inp`/`.out`, as `tests/test-tokenizer-0`
/// runs them: no BOS, special tokens not parsed), copied into `Tests/Fixtures/vocab` from the
/// llama-cpp-python 0.3.36 source package (MIT, see `Tests/Fixtures/vocab/LICENSE`). Every case of every
/// vocabulary Sequitur supports must give llama.cpp's ids exactly.
@Suite struct LlamaCppVocabularyTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vocab")

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

    @Test(arguments: ["gpt-2", "llama-bpe", "qwen2"])
    func everyCasePasses(_ name: String) throws {
        let file = try GGUFFile(contentsOf: Self.directory.appendingPathComponent("ggml-vocab-\(name).gguf"))
        let tokenizer = try BPETokenizer(gguf: file)
        let cases = try Self.cases(name)
        var passed = 0
        for (text, ids) in cases {
            let got = tokenizer.encode(text, parseSpecial: false, addBOS: false)
            if got == ids { passed += 1 } else {
                Issue.record("\(name): \(text.debugDescription.prefix(80)) gives \(got), llama.cpp \(ids)")
            }
        }
        print("llama.cpp vocabulary test \(name): \(passed)/\(cases.count) cases pass")
        #expect(cases.count >= 40)
    }
}
