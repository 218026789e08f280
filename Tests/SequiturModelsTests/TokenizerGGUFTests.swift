import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// Tokenizers built from GGUF metadata alone: vocabulary-only files (tokenizer metadata, no tensors) load
/// and encode, and bad tokenizer metadata is a thrown error that names the key and what is wrong.
struct TokenizerGGUFTests {
    /// A small byte-level vocabulary: the 256 byte tokens, "ab", "Ġab", "Ġabc", a control token and a
    /// user-defined one.
    static let merges = ["a b", "Ġ ab", "Ġab c"]
    static let vocabulary = TokenizerTestSupport.smallVocabulary(
        merges: merges, extra: [("<|c|>", .control), ("<u>", .userDefined)])

    /// Valid metadata for `vocabulary`; tests replace or drop entries.
    static func metadata(replacing changes: [String: GGUFValue?] = [:]) -> [(String, GGUFValue)] {
        let control = Int32(vocabulary.tokens.count - 2)
        let base: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("qwen2")),
            ("tokenizer.ggml.tokens", .array(.string(vocabulary.tokens))),
            ("tokenizer.ggml.token_type", .array(.int32(vocabulary.types))),
            ("tokenizer.ggml.merges", .array(.string(merges))),
            ("tokenizer.ggml.bos_token_id", .uint32(UInt32(control))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(control))),
        ]
        // A key mapped to nil is left out; a key mapped to a value replaces (or adds) that entry.
        var result: [(String, GGUFValue)] = []
        for (key, value) in base {
            if let change = changes[key] {
                if let change { result.append((key, change)) }
            } else {
                result.append((key, value))
            }
        }
        for (key, value) in changes where !base.contains(where: { $0.0 == key }) {
            if let value { result.append((key, value)) }
        }
        return result
    }

    static func tokenizer(_ metadata: [(String, GGUFValue)]) throws -> BPETokenizer {
        try BPETokenizer(gguf: TokenizerTestSupport.vocabularyOnlyGGUF(metadata))
    }

    @Test func vocabularyOnlyFileLoadsAndEncodes() throws {
        let file = try TokenizerTestSupport.vocabularyOnlyGGUF(Self.metadata())
        #expect(file.tensors.isEmpty)
        let tokenizer = try BPETokenizer(gguf: file)
        #expect(tokenizer.count == Self.vocabulary.tokens.count && tokenizer.preTokenizer == .qwen2)
        let ab = try #require(tokenizer.id(for: "ab"))
        let spaceABC = try #require(tokenizer.id(for: " abc"))
        let control = try #require(tokenizer.id(for: "<|c|>"))
        let user = try #require(tokenizer.id(for: "<u>"))
        #expect(tokenizer.bosID == control && tokenizer.endTokens == [control])
        // Byte tokens come first, in byte order, so a byte's id is its value.
        func bytes(_ s: String) -> [TokenID] { s.utf8.map { TokenID($0) } }
        let text = "ab abc<|c|>a<u>"
        #expect(tokenizer.encode(text, parseSpecial: true) == [ab, spaceABC, control] + bytes("a") + [user])
        // Parsing off: the control token is text ("<|", "c", "|>" pre-tokens); the user-defined one still matches.
        #expect(tokenizer.encode(text, parseSpecial: false) == [ab, spaceABC] + bytes("<|c|>a") + [user])
        #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: false)) == text)
        #expect(tokenizer.decode(tokenizer.encode(text), skipSpecial: true) == "ab abca<u>")
    }

    /// The default model's tokenizer metadata copied into a file with no tensors tokenizes the corpus as the
    /// full model file does.
    @Test(.enabled(if: GGUFTestSupport.shouldRunModelTests, "default model not present (set CI to require it)"))
    func vocabularyOnlyCopyOfTheDefaultModel() throws {
        let model = try GGUFFile(contentsOf: GGUFTestSupport.requireDefaultModel())
        let writer = try GGUFWriter()
        for key in model.metadataKeys where key.hasPrefix("tokenizer.") {
            try writer.addMetadata(key, model.metadata[key]!)
        }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sequitur-vocab-only-\(ProcessInfo.processInfo.processIdentifier).gguf")
        try writer.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try GGUFFile(contentsOf: url)
        #expect(file.tensors.isEmpty && file.fileSize < model.fileSize / 10)
        let tokenizer = try BPETokenizer(gguf: file)
        #expect(tokenizer.count == 49_152)
        for entry in try TokenizerTestSupport.corpus() where entry.text.utf8.count < 2_000 {
            #expect(tokenizer.encode(entry.text) == entry.ids, "\(entry.text.debugDescription.prefix(80))")
            #expect(tokenizer.encode(entry.text, parseSpecial: false) == entry.idsPlain)
        }
    }

    /// Each kind of bad metadata, and what its error must mention.
    static let badMetadata: [(String, [String: GGUFValue?], [String])] = [
        ("no tokens", ["tokenizer.ggml.tokens": nil], ["tokenizer.ggml.tokens", "missing"]),
        ("tokens not strings", ["tokenizer.ggml.tokens": .array(.int32([1, 2]))], ["tokenizer.ggml.tokens", "array[string]"]),
        ("empty vocabulary", ["tokenizer.ggml.tokens": .array(.string([]))], ["tokenizer.ggml.tokens", "empty"]),
        ("no model", ["tokenizer.ggml.model": nil], ["tokenizer.ggml.model", "missing"]),
        ("WordPiece model", ["tokenizer.ggml.model": .string("bert")], ["tokenizer.ggml.model", "'bert'", "gpt2", "llama"]),
        ("unknown pre-tokenizer", ["tokenizer.ggml.pre": .string("no-such-pre")], ["tokenizer.ggml.pre", "'no-such-pre'", "qwen2"]),
        ("no merges", ["tokenizer.ggml.merges": nil], ["tokenizer.ggml.merges", "missing"]),
        ("merge of an unknown token", ["tokenizer.ggml.merges": .array(.string(["a b", "a zz"]))],
         ["tokenizer.ggml.merges[1]", "'zz'", "not in the vocabulary"]),
        ("merge whose result is unknown", ["tokenizer.ggml.merges": .array(.string(["a b", "b c"]))],
         ["tokenizer.ggml.merges[1]", "'bc'", "not in the vocabulary"]),
        ("merge without a space", ["tokenizer.ggml.merges": .array(.string(["ab"]))], ["tokenizer.ggml.merges[0]", "'ab'"]),
        ("merge of three parts", ["tokenizer.ggml.merges": .array(.string(["a b c"]))], ["tokenizer.ggml.merges[0]"]),
        ("token types too short", ["tokenizer.ggml.token_type": .array(.int32([1, 1]))],
         ["tokenizer.ggml.token_type", "2 entries", "\(vocabulary.tokens.count) tokens"]),
        ("token type out of range", ["tokenizer.ggml.token_type": .array(.int32(vocabulary.types.dropLast() + [9]))],
         ["tokenizer.ggml.token_type[\(vocabulary.tokens.count - 1)]", "9"]),
        ("bos outside the vocabulary", ["tokenizer.ggml.bos_token_id": .uint32(70_000)], ["bos", "70000"]),
        ("eos of the wrong type", ["tokenizer.ggml.eos_token_id": .string("2")], ["tokenizer.ggml.eos_token_id", "string"]),
    ]

    @Test(arguments: badMetadata.indices)
    func badMetadataThrowsAnErrorNamingIt(_ index: Int) throws {
        let (name, changes, mentions) = Self.badMetadata[index]
        do {
            _ = try Self.tokenizer(Self.metadata(replacing: changes))
            Issue.record("\(name): no error")
        } catch {
            let description = String(describing: error)
            for mention in mentions {
                #expect(description.contains(mention), "\(name): '\(description)' does not mention \(mention)")
            }
        }
    }
}
