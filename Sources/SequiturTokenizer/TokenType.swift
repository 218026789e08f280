/// The kind of a vocabulary entry, as GGUF's `tokenizer.ggml.token_type` stores it (llama.cpp's numbering).
public enum TokenType: Int32, Sendable, CaseIterable {
    /// An ordinary token produced by BPE merges.
    case normal = 1
    /// The unknown token.
    case unknown = 2
    /// A special token such as `<|im_start|>`: matched whole in text only when special parsing is on,
    /// and left out of decoded text when special tokens are skipped.
    case control = 3
    /// An added token such as `<think>`: always matched whole in text, and always decoded.
    case userDefined = 4
    /// A reserved slot.
    case unused = 5
    /// A byte token (`<0x0A>`), used by SentencePiece-style vocabularies.
    case byte = 6
}
