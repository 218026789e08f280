import Sequitur

/// A small byte-level BPE vocabulary in GGUF's `gpt2` form: SmolLM2's three control tokens, the 256 byte
/// tokens, and merges that build a few common words and pieces, so encoding exercises real merging without the
/// cost of a 49,152-token vocabulary on every fuzz run.
public enum TinyVocabulary {
    public static let controlTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    public static let bosToken: TokenID = 1
    public static let eosToken: TokenID = 2

    /// Words whose merges the vocabulary holds: ASCII, spaces and newlines, digits, and multi-byte UTF-8.
    static let words = [
        "the", " the", "and", " and", "ing", "tion", " is", " a", "er", "in", "on", "re", "Hello", " world",
        "assistant", "user", "system", "\n\n", "    ", "123", "00", "é", "été", "日本", "→", "'s", "<|",
    ]

    public struct Contents: Sendable {
        public var tokens: [String]
        public var tokenTypes: [Int32]
        public var merges: [String]
    }

    /// Tokens in id order (control, bytes, merged), GGUF token types (3 control, 1 normal) and merges in rank
    /// order; every merge joins two tokens that exist.
    public static let contents: Contents = {
        let byteTokens = (0..<256).map { ByteLevelAlphabet.spelling(of: UInt8($0)) }
        var tokens = controlTokens + byteTokens
        var known = Set(tokens)
        var merges: [String] = []
        for word in words {
            let spellings = word.utf8.map { ByteLevelAlphabet.spelling(of: $0) }
            var current = spellings[0]
            for next in spellings.dropFirst() {
                let merged = current + next
                if known.insert(merged).inserted {
                    tokens.append(merged)
                    merges.append(current + " " + next)
                }
                current = merged
            }
        }
        let types = [Int32](repeating: 3, count: controlTokens.count)
            + [Int32](repeating: 1, count: tokens.count - controlTokens.count)
        return Contents(tokens: tokens, tokenTypes: types, merges: merges)
    }()

    /// A tokenizer over this vocabulary with the pre-tokenizer GGUF calls `preTokenizer`.
    public static func tokenizer(preTokenizer: String = "smollm", chatTemplate: String? = nil) throws -> BPETokenizer {
        try BPETokenizer(tokens: contents.tokens, merges: contents.merges, tokenTypes: contents.tokenTypes,
                         preTokenizer: preTokenizer, bosID: bosToken, eosID: eosToken, unknownID: 0,
                         paddingID: eosToken, chatTemplate: chatTemplate)
    }
}
