/// Turns a conversation into the text a model reads and that text into tokens, saying where each token starts in
/// the text. Conversation scoring and chat sessions are written against this protocol alone, so they need no
/// particular template engine or tokenizer (the umbrella's `ChatTemplateConversationRenderer` implements it with
/// a model's Jinja chat template and its BPE tokenizer; tests use toy renderers).
///
/// ```swift
/// let text = try renderer.render(messages, addGenerationPrompt: true)   // "...<|im_start|>assistant\n"
/// let tokenized = try renderer.tokenize(text)
/// let prompt = tokenized.tokens                                          // what the model is fed
/// ```
public protocol ConversationRenderer {
    /// The conversation as the model expects to read it; with `addGenerationPrompt`, followed by the markup that
    /// opens an assistant turn (transformers' `apply_chat_template(tokenize=False, add_generation_prompt:)`).
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String
    /// The tokens of a rendered text, exactly as the model is fed them (markup such as `<|im_start|>` as its
    /// single special token; no BOS added beyond what the text itself contains), with their UTF-8 offsets.
    func tokenize(_ text: String) throws -> TokenizedText
    /// The tokens that end an assistant turn (`<|im_end|>`, `<|eot_id|>`, EOS).
    var endOfTurnTokens: Set<TokenID> { get }
}

/// A text and its tokens, aligned: token `i` spells the UTF-8 bytes `text.utf8[boundaries[i] ..< boundaries[i+1]]`.
///
/// Offsets are UTF-8 byte offsets, because byte-level tokenizers split text on bytes (a token may end inside a
/// multi-byte character, so character offsets could not say where it ends).
public struct TokenizedText: Sendable, Hashable {
    public let text: String
    public let tokens: [TokenID]
    /// `tokens.count + 1` offsets: where each token starts, then `text.utf8.count`. Non-decreasing: a token
    /// spells at least one byte (a control token such as `<|im_end|>` spells its own text), except a lone
    /// SentencePiece prefix space (`▁`), which the tokenizer adds and the text does not have.
    public let boundaries: [Int]

    /// Checks that `boundaries` has one offset per token plus the end, starts at 0, never decreases and ends at
    /// the text's length. An offset where an empty token starts maps to that token (its first).
    public init(text: String, tokens: [TokenID], boundaries: [Int]) throws {
        let length = text.utf8.count
        guard boundaries.count == tokens.count + 1, boundaries.first == 0, boundaries.last == length,
              zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw ConversationError.misalignedTokens(
                detail: "\(tokens.count) tokens need \(tokens.count + 1) non-decreasing offsets from 0 to \(length), got \(boundaries.count)")
        }
        self.text = text
        self.tokens = tokens
        self.boundaries = boundaries
    }

    /// The index of the token that starts at UTF-8 offset `offset` (`tokens.count` for the end of the text), or
    /// nil when `offset` falls inside a token.
    public func tokenIndex(atUTF8Offset offset: Int) -> Int? {
        // Binary search for the first boundary >= offset.
        var low = 0
        var high = boundaries.count - 1
        while low < high {
            let mid = (low + high) / 2
            if boundaries[mid] < offset { low = mid + 1 } else { high = mid }
        }
        return boundaries[low] == offset ? low : nil
    }
}
