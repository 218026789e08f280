import SequiturCore
import SequiturTokenizer
/// A byte-level BPE vocabulary in GGUF's `gpt2` form for synthetic models: control tokens
/// `<|endoftext|>` (0), `<|im_start|>` (1, BOS) and `<|im_end|>` (2, EOS) as in SmolLM2, the 256 byte tokens
/// (GPT-2's printable byte alphabet), then random but valid merges of existing tokens up to the wanted size.
struct SyntheticVocabulary {
    static let controlTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    static let bosToken: UInt32 = 1
    static let eosToken: UInt32 = 2

    var tokens: [String]
    var tokenTypes: [Int32]
    var merges: [String]

    init(size: Int, random: inout SplitMix64) {
        precondition(size >= Self.controlTokens.count + 256, "a byte-level vocabulary needs at least 259 tokens")
        let byteTokens = (0..<256).map { ByteLevelAlphabet.spelling(of: UInt8($0)) }
        tokens = Self.controlTokens + byteTokens
        tokenTypes = [Int32](repeating: 3, count: Self.controlTokens.count) + [Int32](repeating: 1, count: 256)
        merges = []
        var known = Set(tokens)
        let firstMergeable = Self.controlTokens.count
        while tokens.count < size {
            // Left side: any earlier non-control token (short ones, so strings stay small); right: a byte.
            let left = tokens[firstMergeable + Int(random.next() % UInt64(tokens.count - firstMergeable))]
            let right = byteTokens[Int(random.next() % 256)]
            guard left.count < 8 else { continue }
            let merged = left + right
            guard known.insert(merged).inserted else { continue }
            tokens.append(merged)
            tokenTypes.append(1)
            merges.append(left + " " + right)
        }
    }
}
