/// Everything that can be wrong with tokenizer data. Each description names the field, index or token.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// `tokenizer.ggml.model` names a tokenizer other than byte-level BPE (`gpt2`) or SentencePiece BPE
    /// (`llama`).
    case unsupportedModel(String)
    /// A SentencePiece score that is NaN or infinite.
    case nonFiniteScore(index: Int, value: Float)
    /// A token typed as a byte that is not spelled `<0xNN>`.
    case malformedByteToken(index: Int, token: String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this implementation does not know.
    case unsupportedPreTokenizer(String, supported: [String])
    /// The vocabulary has no tokens.
    case emptyVocabulary
    /// Two per-token arrays disagree in length.
    case lengthMismatch(field: String, count: Int, expected: Int)
    /// A token type outside 1...6.
    case invalidTokenType(index: Int, value: Int32)
    /// A special token id (bos, eos, ...) outside the vocabulary.
    case tokenIdOutOfRange(field: String, id: Int, vocabularySize: Int)
    /// A merge that is not two tokens separated by one space.
    case malformedMerge(index: Int, merge: String)
    /// A merge whose part, or whose result, is not a token of the vocabulary.
    case mergeTokenNotInVocabulary(index: Int, merge: String, token: String)

    public var description: String {
        switch self {
        case let .unsupportedModel(name):
            return "tokenizer.ggml.model is '\(name)'; supported: byte-level BPE ('gpt2') and SentencePiece BPE ('llama')"
        case let .nonFiniteScore(index, value):
            return "tokenizer.ggml.scores[\(index)] is \(value); scores must be finite"
        case let .malformedByteToken(index, token):
            return "tokenizer.ggml.tokens[\(index)] '\(token)' has token type byte but is not spelled <0xNN>"
        case let .unsupportedPreTokenizer(name, supported):
            return "tokenizer.ggml.pre '\(name)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case .emptyVocabulary:
            return "tokenizer.ggml.tokens is empty"
        case let .lengthMismatch(field, count, expected):
            return "\(field) has \(count) entries but the vocabulary has \(expected) tokens"
        case let .invalidTokenType(index, value):
            return "tokenizer.ggml.token_type[\(index)] is \(value); expected 1...6"
        case let .tokenIdOutOfRange(field, id, size):
            return "\(field) is \(id), outside the vocabulary of \(size) tokens"
        case let .malformedMerge(index, merge):
            return "tokenizer.ggml.merges[\(index)] '\(merge)' is not two tokens separated by a space"
        case let .mergeTokenNotInVocabulary(index, merge, token):
            return "tokenizer.ggml.merges[\(index)] '\(merge)': '\(token)' is not in the vocabulary"
        }
    }
}
