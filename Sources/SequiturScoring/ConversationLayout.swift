import SequiturCore

/// Where each assistant turn lies in the tokens of a rendered conversation: what `ConversationScorer` scores.
///
/// Built from the renderer alone, without the model, so inputs can be checked (and a bad one reported by its line)
/// before any model work, and a benchmark can time the model part apart from rendering.
///
/// How a turn is located, for assistant message `k` of the conversation `m`:
/// - its **start** is the end of `render(m[0..<k], addGenerationPrompt: true)`, the text a model is prompted with
///   before it writes turn `k` (for SmolLM2, just after `<|im_start|>assistant\n`);
/// - its **rendered end** is where `render(m[0...k])` and `render(m)` part (for the last message, `render(m)` and
///   `render(m + [user "?"])`): the end of the former, where the next message's markup begins, when the template
///   is *prefix-stable*; earlier for a template that closes a conversation differently from how it continues
///   one, as Phi-3's appends EOS after the last message. It moves back to the last token boundary at or before
///   that point (Mistral's `</s> ` shares its space with the next `[INST]` in one token). A template that renders
///   a conversation's last message differently from the same message followed by more (Qwen 3's empty think
///   block in the reply to the last question) parts from `render(m)` at the turn's start; the turn is then
///   located in `render(m[0...k] + [user "?"])` instead (the last turn in the rest of `render(m)`), and its
///   rendered text ends at its end-of-turn marker;
/// - the start rendering must be a prefix of `render(m)` and the rendered end must lie after the start, else
///   `ConversationError.notPrefixStable`; the whole text's tokenization must split exactly at the start, else
///   `ConversationError.tokenBoundaryInsideToken`. Nothing is re-tokenized per turn: every span indexes the one
///   token sequence the model is fed.
/// - its **end-of-turn marker** is the last of the renderer's `endOfTurnTokens` between start and rendered end
///   (`<|im_end|>`); there must be one (`ConversationError.noEndOfTurnMarker`).
///
/// The scored span is `[start, marker]` when `includeEndOfTurn` is true and `[start, marker)` when false. Markup
/// the template writes after the marker (SmolLM2's `"\n"`) is never scored: the model does not generate it, since
/// generation stops at the marker. This is the span a `{% generation %}...{% endgeneration %}` block around
/// `content + eos_token` marks in transformers' `return_assistant_tokens_mask`, and what TRL's assistant-only loss
/// trains on; including the marker is the default because SFT must teach the model to end its turn.
public struct ConversationLayout: Sendable, Hashable {
    /// The rendered conversation (no generation prompt) and its tokens.
    public let rendered: TokenizedText
    /// One entry per assistant message, in order.
    public let turns: [AssistantTurnSpan]

    /// Locates the assistant turns of `messages` (validated first: non-empty, standard roles, non-empty content,
    /// at least one assistant message).
    public init(messages: [ChatMessage], renderer: any ConversationRenderer, includeEndOfTurn: Bool = true) throws {
        try Conversation.validate(messages)
        guard messages.contains(where: { $0.role == "assistant" }) else { throw ConversationError.noAssistantMessage }
        let full = try renderer.render(messages, addGenerationPrompt: false)
        let rendered = try renderer.tokenize(full)
        let endOfTurn = renderer.endOfTurnTokens
        var turns: [AssistantTurnSpan] = []
        for (k, message) in messages.enumerated() where message.role == "assistant" {
            let before = try renderer.render(Array(messages[..<k]), addGenerationPrompt: true)
            let through = try renderer.render(Array(messages[...k]), addGenerationPrompt: false)
            guard full.utf8.starts(with: before.utf8) else {
                throw ConversationError.notPrefixStable(
                    messageIndex: k, detail: "the conversation before it, with the generation prompt, renders differently from the start of the whole conversation")
            }
            let startOffset = before.utf8.count
            // Where the conversation through turn k and one that goes on after it part. For the last message,
            // the whole conversation is the former, so a probe user message stands for what would follow.
            let probe = ChatMessage(role: "user", content: "?")
            let isLast = k == messages.count - 1
            let continued = isLast ? try renderer.render(Array(messages) + [probe], addGenerationPrompt: false) : full
            var shared = zip(continued.utf8, through.utf8).prefix(while: { $0 == $1 }).count
            var endsAtMarker = false
            if shared <= startOffset {
                // A template that renders a conversation's last message differently from the same message with
                // more after it (Qwen 3 opens the reply to the last question with an empty think block, and
                // drops it from earlier replies). An earlier turn is located in a rendering where a user message
                // follows it, as one does in the whole conversation; that rendering parts from the whole one
                // inside the next message. The last turn is the rest of the whole conversation. Either way the
                // turn's rendered text ends at its end-of-turn marker.
                if isLast {
                    shared = full.utf8.count
                } else {
                    let followed = try renderer.render(Array(messages[...k]) + [probe], addGenerationPrompt: false)
                    shared = zip(full.utf8, followed.utf8).prefix(while: { $0 == $1 }).count
                }
                endsAtMarker = true
            }
            guard startOffset < shared else {
                throw ConversationError.notPrefixStable(
                    messageIndex: k, detail: shared < through.utf8.count
                        ? "the conversation through it renders differently from the start of the whole conversation before the turn's content"
                        : "the generation prompt reaches past the end of the rendered turn")
            }
            guard let start = rendered.tokenIndex(atUTF8Offset: startOffset) else {
                throw ConversationError.tokenBoundaryInsideToken(messageIndex: k, utf8Offset: startOffset, edge: "start")
            }
            // The last token boundary at or before the parting point (a binary search would do; turns are few).
            let renderedEnd = rendered.boundaries.lastIndex(where: { $0 <= shared }) ?? start
            guard start > 0 else { throw ConversationError.nothingBeforeTurn(messageIndex: k) }
            guard let marker = (start..<renderedEnd).last(where: { endOfTurn.contains(rendered.tokens[$0]) }) else {
                throw ConversationError.noEndOfTurnMarker(messageIndex: k)
            }
            let textEnd = endsAtMarker ? rendered.boundaries[marker + 1] : rendered.boundaries[renderedEnd]
            turns.append(AssistantTurnSpan(messageIndex: k, tokenRange: start..<(includeEndOfTurn ? marker + 1 : marker),
                                           endOfTurnIndex: marker, renderedUTF8Range: startOffset..<textEnd))
        }
        self.rendered = rendered
        self.turns = turns
    }

    /// The rendered conversation's tokens.
    public var tokens: [TokenID] { rendered.tokens }

    /// Tokens the model is fed to score every turn: all up to the last scored token's predecessor (nothing is
    /// asked after the last scored token, so it and the markup after it are not fed).
    public var fedTokenCount: Int { (turns.map(\.tokenRange.upperBound).max() ?? 1) - 1 }

    /// Number of scored tokens over all turns.
    public var scoredTokenCount: Int { turns.reduce(0) { $0 + $1.tokenRange.count } }
}

/// One assistant turn's place in a `ConversationLayout`.
public struct AssistantTurnSpan: Sendable, Hashable {
    /// The index of the assistant message in the conversation.
    public let messageIndex: Int
    /// The scored tokens: `[start, end)` into the conversation's tokens (`start >= 1`).
    public let tokenRange: Range<Int>
    /// The index of the turn's end-of-turn token (inside `tokenRange` exactly when it is included).
    public let endOfTurnIndex: Int
    /// The turn's text in the rendering, from its start to the end of its rendered markup (UTF-8 offsets).
    public let renderedUTF8Range: Range<Int>
}
