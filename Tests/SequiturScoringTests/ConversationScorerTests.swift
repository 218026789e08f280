import Foundation
import SequiturCore
import SequiturScoring
import SequiturTesting
import Testing

/// Conversation scoring on the toy model: the one-pass selective sum equals the turn-by-turn joint-minus-marginal
/// formula, the spans cover exactly the assistant tokens, and the model is asked only about them.
@Suite struct ConversationScorerTests {
    let model = PrefixHashLanguageModel(vocabularySize: 60, seed: 3)
    var renderer: ToyConversationRenderer { ToyConversationRenderer(vocabulary: model.vocabulary, defaultSystemPrompt: " be kind") }

    static let conversations: [[ChatMessage]] = [
        [.user(" hi"), .assistant(" hello there"), .user(" and you"), .assistant(" fine")],
        [.system(" terse"), .user(" two plus two"), .assistant(" four"), .user(" times three"),
         .assistant(" twelve"), .user(" ok"), .assistant(" bye")],
        [.user(" name a colour"), .assistant(" blue")],
    ]

    @Test(arguments: [true, false])
    func totalEqualsTurnByTurnJointMinusMarginal(includeEndOfTurn: Bool) throws {
        let scorer = ConversationScorer(includeEndOfTurn: includeEndOfTurn, batchSize: 2)
        let scores = try scorer.score(Self.conversations, renderer: renderer, model: model)
        for (messages, score) in zip(Self.conversations, scores) {
            let layout = try scorer.layout(messages, renderer: renderer)
            // Σ_k (log Pr(prefix through y_k) − log Pr(prefix before y_k)), each term by the two-pass scorer.
            let requests = layout.turns.enumerated().map { k, turn in
                ScoringRequest(id: "turn \(k)", context: Array(layout.tokens[..<turn.tokenRange.lowerBound]),
                               continuation: Array(layout.tokens[turn.tokenRange]))
            }
            let reference = try JointMarginalScorer().score(requests, model: model)
            #expect(score.turns.count == reference.count)
            for (turn, ref) in zip(score.turns, reference) {
                #expect(abs(turn.logProb - ref.logProb) < 1e-4, "turn of message \(turn.messageIndex)")
                #expect(turn.tokenLogProbs == ref.tokenLogProbs)
                #expect(turn.isGreedy == ref.isGreedy)
            }
            let referenceTotal = reference.reduce(0.0) { $0 + $1.logProb }
            #expect(abs(score.totalLogProb - referenceTotal) < 1e-4)
            #expect(score.totalLogProb < 0)
        }
    }

    @Test func spansCoverExactlyTheAssistantContentAndItsEndMarker() throws {
        let messages = Self.conversations[0]
        let with = try ConversationScorer(includeEndOfTurn: true).layout(messages, renderer: renderer)
        let without = try ConversationScorer(includeEndOfTurn: false).layout(messages, renderer: renderer)
        #expect(with.rendered.text == "[system be kind]z[user hi]z[assistant hello there]z[user and you]z[assistant fine]z")
        #expect(with.turns.map(\.messageIndex) == [1, 3])
        let vocabulary = model.vocabulary
        for (turnWith, turnWithout) in zip(with.turns, without.turns) {
            let content = messages[turnWith.messageIndex].content
            // Without the marker: the content's tokens and nothing else.
            #expect(vocabulary.text(of: Array(without.tokens[turnWithout.tokenRange])) == content)
            #expect(turnWithout.tokenRange.upperBound == turnWith.endOfTurnIndex)
            // With it: the same plus `]` (token 1); the `z` after it and the `[assistant` before are markup.
            #expect(turnWith.tokenRange == turnWithout.tokenRange.lowerBound..<(turnWithout.tokenRange.upperBound + 1))
            #expect(with.tokens[turnWith.tokenRange.upperBound - 1] == 1)
            #expect(vocabulary.text(of: [with.tokens[turnWith.tokenRange.upperBound]]) == "z")
            #expect(vocabulary.text(of: [with.tokens[turnWith.tokenRange.lowerBound - 1]]) == "t")   // "[assistant"
        }
        // Only the last scored token's predecessors are fed: the final "z" markup and "]" are not.
        #expect(with.fedTokenCount == with.tokens.count - 2)
    }

    @Test func asksOnlyForAssistantTargetsInOnePassPerConversation() throws {
        let recording = RecordingLanguageModel(model)
        let scorer = ConversationScorer(batchSize: 2)
        let scores = try scorer.score(Self.conversations, renderer: renderer, model: recording)
        #expect(recording.calls.map(\.count) == [2, 1])        // 3 conversations, 2 per extend call
        let queries = recording.allQueries
        #expect(queries.count == scores.reduce(0) { $0 + $1.scoredTokenCount })
        #expect(queries.allSatisfy { $0.targets.count == 1 && !$0.fullRow && $0.topK == 0 })
        let fed = recording.calls.flatMap { $0.map(\.tokens.count) }
        #expect(fed == scores.map(\.fedTokenCount))
    }

    @Test func resultsDoNotDependOnTheBatch() throws {
        let together = try ConversationScorer(batchSize: 3).score(Self.conversations, renderer: renderer, model: model)
        for (i, messages) in Self.conversations.enumerated() {
            let alone = try ConversationScorer(batchSize: 1).score([messages], renderer: renderer, model: model)[0]
            #expect(alone == together[i])
        }
    }

    @Test func malformedConversationsNameTheMessage() throws {
        let scorer = ConversationScorer()
        func error(_ messages: [ChatMessage], renderer: (any ConversationRenderer)? = nil) -> ConversationError? {
            do {
                _ = try scorer.layout(messages, renderer: renderer ?? self.renderer)
                return nil
            } catch {
                return error as? ConversationError
            }
        }
        #expect(error([]) == .empty)
        #expect(error([.user(" hi"), ChatMessage(role: "bot", content: " x")]) == .unknownRole(messageIndex: 1, role: "bot"))
        #expect(error([.user(" hi"), .assistant("")]) == .emptyContent(messageIndex: 1))
        #expect(error([.system(" s"), .user(" hi")]) == .noAssistantMessage)
        // With a default system prompt, a conversation that opens with the assistant renders it after the default
        // system turn, but the generation prompt alone (no messages) has none: not prefix-stable.
        if case .notPrefixStable(messageIndex: 0, _)? = error([.assistant(" hi"), .user(" x")]) {} else {
            Issue.record("expected notPrefixStable for message 0, got \(String(describing: error([.assistant(" hi")])))")
        }
        // Without one, the same turn starts at token 1 ("a" of "[assistant"): fine. A turn at token 0 cannot be.
        let bare = ToyConversationRenderer(vocabulary: model.vocabulary)
        #expect(error([.assistant(" hi")], renderer: bare) == nil)
        #expect(error([.assistant(" hi")], renderer: NoMarkupRenderer(inner: bare)) == .nothingBeforeTurn(messageIndex: 0))
        // A generation prompt that ends in a space: the reply's first token " h" crosses the turn's start.
        #expect(error([.user(" hi"), .assistant(" hello")], renderer: SpacedPromptRenderer(inner: bare))
            == .tokenBoundaryInsideToken(messageIndex: 1, utf8Offset: 21, edge: "start"))
        #expect(error([.user(" hi"), .assistant(" hello")], renderer: NoEndMarkerRenderer(inner: bare))
            == .noEndOfTurnMarker(messageIndex: 1))
        // A batch names the conversation too.
        #expect(throws: ConversationError.inConversation(index: 1, .empty)) {
            try scorer.score([Self.conversations[0], []], renderer: renderer, model: model)
        }
    }

    @Test func jsonInputsNameTheBadMessage() throws {
        func error(_ json: String) -> ConversationError? {
            do {
                _ = try JSONDecoder().decode(Conversation.self, from: Data(json.utf8))
                return nil
            } catch {
                return error as? ConversationError
            }
        }
        #expect(error(#"{"id": "a", "messages": [{"role": "user", "content": "hi"}]}"#) == nil)
        #expect(error(#"{"id": "a"}"#) == .missingMessages)
        #expect(error(#"{"messages": [{"role": "user", "content": "hi"}, {"role": "user"}]}"#) == .missingContent(messageIndex: 1))
        #expect(error(#"{"messages": [{"role": "user", "content": null}]}"#) == .missingContent(messageIndex: 0))
        #expect(error(#"{"messages": [{"content": "hi"}]}"#) == .missingRole(messageIndex: 0))
        #expect(error(#"{"messages": [{"role": "user", "content": 3}]}"#) == .notAString(messageIndex: 0, field: "content"))
        #expect(error(#"{"messages": [{"role": "user", "content": "a"}, "hi"]}"#) == .notAMessage(messageIndex: 1))
        #expect(error(#"{"messages": [{"role": "wizard", "content": "a"}]}"#) == .unknownRole(messageIndex: 0, role: "wizard"))
        let empty = try JSONDecoder().decode(Conversation.self, from: Data(#"{"messages": []}"#.utf8))
        #expect(throws: ConversationError.empty) { try empty.validate() }
        #expect(ConversationError.unknownRole(messageIndex: 2, role: "bot").description.contains("message 2"))
    }

    @Test func tokenizedTextRejectsInconsistentOffsets() throws {
        #expect(throws: ConversationError.self) { try TokenizedText(text: "ab", tokens: [1, 2], boundaries: [0, 2]) }
        #expect(throws: ConversationError.self) { try TokenizedText(text: "abc", tokens: [1, 2, 3], boundaries: [0, 2, 1, 3]) }
        // A token that spells no byte (SentencePiece's lone prefix space) is allowed; its offset finds it first.
        let prefixed = try TokenizedText(text: "ab", tokens: [1, 2], boundaries: [0, 0, 2])
        #expect(prefixed.tokenIndex(atUTF8Offset: 0) == 0 && prefixed.tokenIndex(atUTF8Offset: 2) == 2)
        #expect(throws: ConversationError.self) { try TokenizedText(text: "ab", tokens: [1, 2], boundaries: [0, 1, 3]) }
        let t = try TokenizedText(text: "abc", tokens: [1, 2], boundaries: [0, 1, 3])
        #expect(t.tokenIndex(atUTF8Offset: 0) == 0)
        #expect(t.tokenIndex(atUTF8Offset: 1) == 1)
        #expect(t.tokenIndex(atUTF8Offset: 2) == nil)
        #expect(t.tokenIndex(atUTF8Offset: 3) == 2)
        #expect(t.tokenIndex(atUTF8Offset: 4) == nil)
    }
}

/// Renders messages as bare content, so an opening assistant turn starts at token 0.
private struct NoMarkupRenderer: ConversationRenderer {
    let inner: ToyConversationRenderer
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        messages.map { $0.content + "]" }.joined()
    }
    func tokenize(_ text: String) throws -> TokenizedText { try inner.tokenize(text) }
    var endOfTurnTokens: Set<TokenID> { inner.endOfTurnTokens }
}

/// The toy format with a generation prompt of `[assistant ` (trailing space), and assistant content rendered
/// after it without its own leading space, so the text is prefix-stable but BPE-style tokens cross the start.
private struct SpacedPromptRenderer: ConversationRenderer {
    let inner: ToyConversationRenderer
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try inner.render(messages, addGenerationPrompt: addGenerationPrompt) + (addGenerationPrompt ? " " : "")
    }
    func tokenize(_ text: String) throws -> TokenizedText { try inner.tokenize(text) }
    var endOfTurnTokens: Set<TokenID> { inner.endOfTurnTokens }
}

/// The toy format with no end-of-turn tokens declared.
private struct NoEndMarkerRenderer: ConversationRenderer {
    let inner: ToyConversationRenderer
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try inner.render(messages, addGenerationPrompt: addGenerationPrompt)
    }
    func tokenize(_ text: String) throws -> TokenizedText { try inner.tokenize(text) }
    var endOfTurnTokens: Set<TokenID> { [] }
}
