/// What decoders need to know about tokens without a tokenizer: how many there are, which end a sequence, and
/// the bytes each one stands for (so stop strings can be matched on text across token boundaries).
public protocol Vocabulary: AnyObject {
    var count: Int { get }
    /// Tokens that end generation (EOS, and end-of-turn markers such as `<|im_end|>`).
    var endTokens: Set<TokenID> { get }
    /// The token a sequence starts with, when the model prepends one.
    var beginToken: TokenID? { get }
    /// The UTF-8 bytes `token` decodes to (empty for control tokens that print nothing).
    func bytes(of token: TokenID) -> [UInt8]
}

extension Vocabulary {
    /// The text of a token sequence; invalid UTF-8 (a token ending mid-character) is replaced by U+FFFD.
    public func text(of tokens: [TokenID]) -> String {
        var bytes: [UInt8] = []
        for t in tokens { bytes += self.bytes(of: t) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
