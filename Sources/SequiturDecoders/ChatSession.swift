import SequiturCore

/// A multi-round chat: in round k the model answers `y_k` given everything before it, `x_1, y_1, …, x_k`, and the
/// KV state of that history is kept between rounds, so each round feeds the model only its new tokens.
///
/// ```swift
/// let chat = try ChatSession(model: model, renderer: renderer, decoder: GreedyDecoder())
/// let reply = try chat.send("What is the capital of France?")
/// print(reply.text)                     // the assistant message now ends `chat.messages`
/// ```
///
/// Each round:
/// 1. the whole conversation (with the new user message and the generation prompt) is rendered and tokenized,
///    giving the prompt `P` exactly as a fresh decode would see it;
/// 2. the cached history state holds the previous round's prompt minus its last token; when its tokens are a
///    prefix of `P` (the template is prefix-stable and the reply re-tokenizes as before), a fork of it is
///    extended by `P`'s new tokens except the last, else the history is recomputed from scratch (the reply's
///    `reusedTokenCount` is then 0);
/// 3. the decoder decodes `P` from that state (`DecodingRequest.prefixState`), feeding only `P`'s last token
///    before generating;
/// 4. the reply's text (end-of-turn tokens and a matched stop string removed) becomes an assistant message, so
///    the next round's rendering starts with this round's prompt followed by the reply.
///
/// The reply's tokens are fed to the model again in the next round as part of its new tokens: they are fed as the
/// template renders the reply text, which is what a fresh decode of the next prompt sees (a generated sequence
/// need not be the canonical tokenization of its own text). A round that throws leaves the session unchanged.
public final class ChatSession {
    public let model: any LanguageModel
    public let renderer: any ConversationRenderer
    /// Produces each reply (any registered decoder; the best hypothesis is taken).
    public var decoder: any Decoder
    /// When each reply stops.
    public var stop: StopConditions
    /// Logit processors applied to every reply.
    public var processors: [any LogitProcessor]
    /// The conversation so far, replies included.
    public private(set) var messages: [ChatMessage]
    /// The cached history: the last prompt without its final token (empty before the first round).
    private var history: SequenceState

    /// A session continuing `messages` (a system prompt, or a loaded transcript; roles must be standard).
    public init(model: any LanguageModel, renderer: any ConversationRenderer, decoder: any Decoder,
                stop: StopConditions = StopConditions(), processors: [any LogitProcessor] = [],
                messages: [ChatMessage] = []) throws {
        try Conversation.validate(messages, allowEmpty: true, allowEmptyContent: true)
        self.model = model
        self.renderer = renderer
        self.decoder = decoder
        self.stop = stop
        self.processors = processors
        self.messages = messages
        self.history = model.makeState()
    }

    /// Adds a user message and returns the model's reply, which is appended as an assistant message. Empty
    /// content throws `ConversationError.emptyContent` with the index the message would have had.
    @discardableResult
    public func send(_ content: String, onToken: ((TokenID, Float) -> Bool)? = nil,
                     shouldStop: (() -> Bool)? = nil) throws -> ChatReply {
        guard !content.isEmpty else { throw ConversationError.emptyContent(messageIndex: messages.count) }
        return try reply(to: messages + [.user(content)], onToken: onToken, shouldStop: shouldStop)
    }

    /// Replies to the conversation as it stands (after a loaded transcript that ends with a user message, say).
    @discardableResult
    public func respond(onToken: ((TokenID, Float) -> Bool)? = nil, shouldStop: (() -> Bool)? = nil) throws -> ChatReply {
        try reply(to: messages, onToken: onToken, shouldStop: shouldStop)
    }

    private func reply(to conversation: [ChatMessage], onToken: ((TokenID, Float) -> Bool)?,
                       shouldStop: (() -> Bool)?) throws -> ChatReply {
        let startCount = model.processedTokenCount
        let prompt = try renderer.tokenize(renderer.render(conversation, addGenerationPrompt: true)).tokens
        // The decoder checks the request too, but only after the new prompt tokens had been computed: run the
        // plan's checks (empty prompt, context length, ...) first.
        _ = try DecodingPlan(DecodingRequest(prompt: prompt, stop: stop, processors: processors), model: model)
        let reusable = history.count < prompt.count && prompt.starts(with: history.tokens)
        let state = reusable ? history.fork() : model.makeState()
        let reused = state.count
        if state.count < prompt.count - 1 {
            _ = try model.extend([ExtensionRequest(state: state, tokens: Array(prompt[state.count..<(prompt.count - 1)]),
                                                   lastQuery: nil)])
        }
        let request = DecodingRequest(prompt: prompt, stop: stop, processors: processors, onToken: onToken, shouldStop: shouldStop,
                                      prefixState: state)
        guard let best = try decoder.decode(request, model: model).best else {
            throw DecodingError.invalidParameter(name: "decoder", message: "\(decoder.name) returned no hypothesis")
        }
        let text = replyText(best)
        // An interrupted reply is not the model's answer: the conversation keeps the user's turn without it, so
        // a saved transcript never passes a truncated reply off as complete and `respond()` can answer again.
        messages = best.finishReason == .interrupted ? conversation : conversation + [.assistant(text)]
        history = state
        return ChatReply(text: text, hypothesis: best, promptTokenCount: prompt.count, reusedTokenCount: reused,
                         processedTokens: model.processedTokenCount - startCount)
    }

    /// The reply's message text: the printable text of its tokens (end-of-turn and other control tokens print
    /// nothing), cut before the first stop string when one stopped it (stop strings are not part of the reply).
    private func replyText(_ hypothesis: Hypothesis) -> String {
        let text = model.vocabulary.text(of: hypothesis.tokens)
        guard hypothesis.finishReason == .stopString else { return text }
        let cuts = stop.stopStrings.filter { !$0.isEmpty }.compactMap { text.firstScalarRange(of: $0)?.lowerBound }
        guard let cut = cuts.min() else { return text }
        return String(text.unicodeScalars[..<cut])
    }
}

/// One round's reply, with what it cost.
public struct ChatReply: Sendable {
    /// The assistant message added to the conversation (the partial text, not added, when `interrupted`).
    public var text: String
    /// The decoder's best hypothesis (its tokens, log-probs and finish reason).
    public var hypothesis: Hypothesis
    /// Tokens in this round's prompt (the whole rendered conversation with the generation prompt).
    public var promptTokenCount: Int
    /// Prompt tokens taken from the cached history instead of being fed again.
    public var reusedTokenCount: Int
    /// Tokens the model processed this round (new prompt tokens plus generation).
    public var processedTokens: Int

    /// Whether the caller stopped the reply before it finished; it was not added to the conversation.
    public var interrupted: Bool { hypothesis.finishReason == .interrupted }
}

extension String {
    /// The range of the first occurrence of `needle`, compared on Unicode scalars rather than grapheme clusters,
    /// so a stop string is found wherever its scalars appear (even next to a combining mark).
    fileprivate func firstScalarRange(of needle: String) -> Range<String.Index>? {
        let scalars = unicodeScalars
        let pattern = Array(needle.unicodeScalars)
        guard !pattern.isEmpty else { return nil }
        var start = scalars.startIndex
        while start != scalars.endIndex {
            if scalars[start...].starts(with: pattern) { return start..<scalars.index(start, offsetBy: pattern.count) }
            start = scalars.index(after: start)
        }
        return nil
    }
}
