import SequiturCore

/// A chat format and tokenizer for the toy models' `PrefixHashVocabulary`, to test conversation scoring and chat
/// sessions without a real template or tokenizer.
///
/// Each message renders as `[` + role + content + `]` + `z`: `[` is token 0 and `]` token 1 (the vocabulary's BOS
/// and EOS, which print nothing, like the control tokens `<|im_start|>` and `<|im_end|>` of a real model), the
/// role is spelled in letters, and the trailing `z` is markup after the end-of-turn marker (like SmolLM2's
/// newline). The generation prompt is `[assistant`. Like SmolLM2's template, a non-empty conversation that does
/// not start with a system message gets `defaultSystemPrompt` first, when one is set.
///
/// Text is tokenized by longest match over the vocabulary's token texts (`"a"`, `" a"`, `" a2"`, ...) plus `[`
/// and `]`, so content must be lowercase letters, each optionally preceded by one space (`" hello there"`).
///
/// ```swift
/// let model = PrefixHashLanguageModel(vocabularySize: 60)
/// let renderer = ToyConversationRenderer(vocabulary: model.vocabulary)
/// try renderer.render([.user(" hi")], addGenerationPrompt: true)   // "[user hi]z[assistant"
/// ```
public struct ToyConversationRenderer: ConversationRenderer, Sendable {
    public let defaultSystemPrompt: String?
    private let idsByPiece: [String: TokenID]
    private let longestPiece: Int

    public init(vocabulary: any Vocabulary, defaultSystemPrompt: String? = nil) {
        var pieces: [String: TokenID] = ["[": 0, "]": 1]
        for id in 2..<vocabulary.count {
            let text = vocabulary.text(of: [TokenID(id)])
            if !text.isEmpty, pieces[text] == nil { pieces[text] = TokenID(id) }
        }
        idsByPiece = pieces
        longestPiece = pieces.keys.map(\.unicodeScalars.count).max() ?? 1
        self.defaultSystemPrompt = defaultSystemPrompt
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        var text = ""
        if let defaultSystemPrompt, let first = messages.first, first.role != "system" {
            text += "[system" + defaultSystemPrompt + "]z"
        }
        for m in messages { text += "[" + m.role + m.content + "]z" }
        if addGenerationPrompt { text += "[assistant" }
        return text
    }

    /// Longest match, left to right; a character no piece starts with is a `ConversationError.misalignedTokens`.
    public func tokenize(_ text: String) throws -> TokenizedText {
        let scalars = Array(text.unicodeScalars)
        var tokens: [TokenID] = []
        var boundaries = [0]
        var i = 0
        var offset = 0
        while i < scalars.count {
            var matched: (id: TokenID, length: Int)?
            for length in stride(from: min(longestPiece, scalars.count - i), through: 1, by: -1) {
                var piece = String.UnicodeScalarView()
                piece.append(contentsOf: scalars[i..<(i + length)])
                if let id = idsByPiece[String(piece)] {
                    matched = (id, length)
                    break
                }
            }
            guard let (id, length) = matched else {
                throw ConversationError.misalignedTokens(detail: "no toy token for \"\(scalars[i])\" at UTF-8 offset \(offset)")
            }
            tokens.append(id)
            offset += scalars[i..<(i + length)].reduce(0) { $0 + String($1).utf8.count }
            boundaries.append(offset)
            i += length
        }
        return try TokenizedText(text: text, tokens: tokens, boundaries: boundaries)
    }

    /// `]`: the vocabulary's EOS, token 1.
    public var endOfTurnTokens: Set<TokenID> { [1] }
}
