import Foundation
import Sequitur

/// Writes a bigram GGUF: a byte-level vocabulary (the 256 bytes, then `<|endoftext|>`) and a table of logits
/// in which each byte strongly prefers the next byte value ("a" → "b" → "c" ...) over random noise, so greedy
/// decoding has one answer the example can check.
enum BigramFile {
    static let endOfText: TokenID = 256
    static var vocabularySize: Int { 257 }

    /// The table, row-major: `logits[a * V + b]` is the logit of `b` after `a`.
    static func logits(seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        let v = vocabularySize
        var table = random.signedUnits(v * v)
        for a in 0..<v {
            table[a * v + (a + 1) % 256] += 6
            table[a * v + Int(endOfText)] -= 4   // rarely ends, so decodes run their length
        }
        return table
    }

    static func write(to url: URL, seed: UInt64) throws {
        let writer = try GGUFWriter()
        let tokens = (0..<256).map { ByteLevelAlphabet.spelling(of: UInt8($0)) } + ["<|endoftext|>"]
        let metadata: [(String, GGUFValue)] = [
            (ArchitectureRegistry.architectureKey, .string("bigram")),
            ("general.name", .string("toy bigram, seed \(seed)")),
            (BigramModel.contextLengthKey, .uint32(64)),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
            ("tokenizer.ggml.tokens", .array(.string(tokens))),
            ("tokenizer.ggml.token_type", .array(.int32([Int32](repeating: 1, count: 256) + [3]))),
            ("tokenizer.ggml.merges", .array(.string([]))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(endOfText))),
        ]
        for (key, value) in metadata { try writer.addMetadata(key, value) }
        try writer.addTensor(name: BigramModel.tableName, dimensions: [vocabularySize, vocabularySize],
                             values: logits(seed: seed), as: .f32)
        try writer.write(to: url)
    }
}
