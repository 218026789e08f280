import SequiturCore
import SequiturTokenizer

/// Renders conversations with a model's chat template and tokenizes them with its BPE tokenizer, as transformers'
/// `apply_chat_template(messages, tokenize=True)` does: the template's text, encoded with special tokens parsed
/// (`<|im_start|>` is one token) and no BOS or EOS added (`add_special_tokens=False`; a template that wants BOS
/// writes `bos_token` itself).
///
/// ```swift
/// let file = try GGUFFile(contentsOf: url)
/// let tokenizer = try BPETokenizer(gguf: file)
/// let renderer = try ChatTemplateConversationRenderer(gguf: file, tokenizer: tokenizer)
/// let prompt = try renderer.tokenize(renderer.render([.user("Hi!")], addGenerationPrompt: true)).tokens
/// ```
public struct ChatTemplateConversationRenderer: ConversationRenderer, @unchecked Sendable {
    // @unchecked: `BPETokenizer` is safe to share (see its doc comment) and `ChatTemplate` is Sendable.
    public let template: ChatTemplate
    public let tokenizer: BPETokenizer
    /// The texts the template's `bos_token` and `eos_token` variables stand for.
    public let bosToken: String
    public let eosToken: String
    /// More template variables for every rendering (Qwen 3's `enable_thinking: false`).
    public let extraVariables: [String: ChatTemplateVariable]

    public init(template: ChatTemplate, tokenizer: BPETokenizer, bosToken: String, eosToken: String,
                extraVariables: [String: ChatTemplateVariable] = [:]) {
        self.template = template
        self.tokenizer = tokenizer
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.extraVariables = extraVariables
    }

    /// The renderer of a model file: its `tokenizer.chat_template` and the texts of its BOS and EOS tokens.
    /// Throws `GGUFError.missingKey` when the file has no chat template (base models), rather than guessing one.
    public init(gguf file: GGUFFile, tokenizer: BPETokenizer, extraVariables: [String: ChatTemplateVariable] = [:]) throws {
        let special = try ChatTemplate.specialTokenTexts(gguf: file)
        self.init(template: try ChatTemplate(gguf: file), tokenizer: tokenizer,
                  bosToken: special.bos, eosToken: special.eos, extraVariables: extraVariables)
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try template.render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                            bosToken: bosToken, eosToken: eosToken, extraVariables: extraVariables)
    }

    /// The tokens of `text` with their UTF-8 offsets, taken from the bytes each token spells (control tokens
    /// spell their own text). Throws `ConversationError.misalignedTokens` when the tokens do not spell `text`
    /// back byte for byte, which happens only when the vocabulary lacks one of the text's bytes (BPE then drops
    /// it, as the reference does): offsets into such a text would be wrong.
    ///
    /// A SentencePiece tokenizer puts a space in front of the text and of every stretch after a special token
    /// (`<s>[INST]` is `<s>`, `▁[`, `INST`, `]`, as transformers' slow Llama tokenizer has it); that space is
    /// not in the text, so the token carrying it spells one byte less of it (a lone `▁` spells none).
    public func tokenize(_ text: String) throws -> TokenizedText {
        var tokens = tokenizer.encode(text, parseSpecial: true, addBOS: false)
        if tokenizer.addEOS, tokenizer.eosID != nil, !tokens.isEmpty { tokens.removeLast() }   // the appended EOS
        let textBytes = Array(text.utf8)
        var boundaries = [0]
        boundaries.reserveCapacity(tokens.count + 1)
        var offset = 0
        var stretchStarts = true
        for (index, token) in tokens.enumerated() {
            var bytes = tokenizer.decodedBytes(of: token, skipSpecial: false)
            let matchedWhole = [.control, .userDefined, .unknown].contains(tokenizer.tokenType(of: token))
            let carriesPrefix = tokenizer.addSpacePrefix && stretchStarts && !matchedWhole && bytes.first == 0x20
            if carriesPrefix { bytes.removeFirst() }
            stretchStarts = matchedWhole
            guard !bytes.isEmpty || carriesPrefix, offset + bytes.count <= textBytes.count,
                  textBytes[offset..<(offset + bytes.count)].elementsEqual(bytes)
            else {
                throw ConversationError.misalignedTokens(
                    detail: "token \(index) (id \(token), \(tokenizer.readablePiece(for: token))) does not spell the text at UTF-8 offset \(offset)")
            }
            offset += bytes.count
            boundaries.append(offset)
        }
        guard offset == textBytes.count else {
            throw ConversationError.misalignedTokens(
                detail: "the tokens spell \(offset) of the text's \(textBytes.count) UTF-8 bytes (a byte missing from the vocabulary was dropped)")
        }
        return try TokenizedText(text: text, tokens: tokens, boundaries: boundaries)
    }

    public var endOfTurnTokens: Set<TokenID> { tokenizer.endTokens }
}
