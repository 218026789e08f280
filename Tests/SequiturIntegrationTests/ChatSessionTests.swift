import Foundation
import Sequitur
import SequiturTesting
import Testing

/// Multi-round chat on the toy model: later rounds feed the model only their new tokens (counted with
/// `processedTokenCount`), and every reply equals a fresh decode of the whole rendered prompt.
@Suite struct ChatSessionTests {
    let model = PrefixHashLanguageModel(vocabularySize: 60, contextLength: 512, seed: 5)
    var renderer: ToyConversationRenderer { ToyConversationRenderer(vocabulary: model.vocabulary, defaultSystemPrompt: " be brief") }
    let stop = StopConditions(maxNewTokens: 6)
    static let userTurns = [" hi", " what now", " tell me more", " bye"]

    static let decoders: [DecoderConfiguration] = [
        DecoderConfiguration(name: "greedy"),
        DecoderConfiguration(name: "beam", parameters: ["numBeams": 3]),
        DecoderConfiguration(name: "sampling", parameters: ["seed": 11, "temperature": 0.8]),
    ]

    @Test(arguments: decoders)
    func laterRoundsFeedOnlyNewTokensAndMatchAFreshDecode(configuration: DecoderConfiguration) throws {
        let decoder = try DecoderRegistry.standard.make(configuration)
        let session = try ChatSession(model: model, renderer: renderer, decoder: decoder, stop: stop)
        // The reference decodes run on a second model of the same seed, so they do not disturb the count.
        let referenceModel = PrefixHashLanguageModel(vocabularySize: 60, contextLength: 512, seed: 5)
        var previousPrompt: [TokenID]?
        for (round, user) in Self.userTurns.enumerated() {
            let before = model.processedTokenCount
            let reply = try session.send(user)
            #expect(model.processedTokenCount - before == reply.processedTokens)

            let conversation = Array(session.messages.dropLast())
            #expect(conversation.last == .user(user))
            #expect(session.messages.last == .assistant(reply.text))
            let prompt = try renderer.tokenize(renderer.render(conversation, addGenerationPrompt: true)).tokens
            #expect(reply.promptTokenCount == prompt.count)

            let fresh = try decoder.decode(DecodingRequest(prompt: prompt, stop: stop), model: referenceModel)
            #expect(reply.hypothesis == fresh.best, "round \(round): the reply differs from a fresh decode")
            // A fresh decode feeds the whole prompt; the session skips what its history already holds.
            #expect(reply.processedTokens == fresh.processedTokens - reply.reusedTokenCount)
            if let previousPrompt {
                // Round k+1 reuses all of round k's prompt but its last token (which the decoder fed itself).
                #expect(reply.reusedTokenCount == previousPrompt.count - 1)
                #expect(prompt.starts(with: previousPrompt))
                #expect(reply.processedTokens < fresh.processedTokens - previousPrompt.count / 2)
            } else {
                #expect(reply.reusedTokenCount == 0)
            }
            previousPrompt = prompt
        }
    }

    @Test func transcriptsRoundTripAndALoadedSessionContinuesIdentically() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("transcript.json")

        let first = try ChatSession(model: model, renderer: renderer, decoder: GreedyDecoder(), stop: stop,
                                    messages: [.system(" you are terse")])
        try first.send(" hi")
        try first.send(" again")
        try ChatTranscript.save(first.messages, to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["transcript.json"])
        let loaded = try ChatTranscript.load(from: url)
        #expect(loaded == first.messages)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        #expect((json?["messages"] as? [[String: String]])?.first == ["role": "system", "content": " you are terse"])
        // One JSON line whose id is the file's name: `score --conversations` reads the transcript as it is.
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasSuffix("}\n") && text.dropLast().allSatisfy { $0 != "\n" } && json?["id"] as? String == "transcript")
        let scored = try JSONLJob.readItems(of: url) { object, _ in
            try ConversationInput.parse(object, scorer: ConversationScorer(), renderer: renderer, model: model)
        }
        #expect(scored.map(\.id) == ["transcript"] && scored.first?.request.turns.count == 2)

        // The loaded session has no cached history: its first round feeds everything, and replies the same.
        let resumed = try ChatSession(model: model, renderer: renderer, decoder: GreedyDecoder(), stop: stop, messages: loaded)
        let a = try first.send(" more")
        let b = try resumed.send(" more")
        #expect(a.hypothesis == b.hypothesis)
        #expect(b.reusedTokenCount == 0)
        #expect(a.reusedTokenCount > 0)
        #expect(first.messages == resumed.messages)
    }

    @Test func malformedTranscriptsNameTheMessage() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant"}]}"#.utf8).write(to: url)
        #expect(throws: ConversationError.missingContent(messageIndex: 1)) { try ChatTranscript.load(from: url) }
        try Data(#"{"messages": [{"role": "narrator", "content": "hi"}]}"#.utf8).write(to: url)
        #expect(throws: ConversationError.unknownRole(messageIndex: 0, role: "narrator")) { try ChatTranscript.load(from: url) }
        try Data(#"{"messages": []}"#.utf8).write(to: url)
        #expect(try ChatTranscript.load(from: url) == [])
    }

    @Test func aFailedRoundLeavesTheSessionUnchanged() throws {
        let session = try ChatSession(model: model, renderer: renderer, decoder: GreedyDecoder(), stop: stop)
        try session.send(" hi")
        let messages = session.messages
        session.stop = StopConditions(maxNewTokens: 600)      // prompt + 600 exceeds the context of 512
        #expect(throws: DecodingError.self) { try session.send(" again") }
        #expect(session.messages == messages)
        #expect(throws: ConversationError.emptyContent(messageIndex: 2)) { try session.send("") }
        session.stop = stop
        let reply = try session.send(" again")
        #expect(reply.reusedTokenCount > 0)                   // the cached history survived the failures
        #expect(session.messages.count == messages.count + 2)
    }

    @Test func prefixStatesMustBeAProperPrefixOfThePrompt() throws {
        let prompt: [TokenID] = [0, 5, 6, 7, 8]
        let state = model.makeState()
        _ = try model.extend([ExtensionRequest(state: state, tokens: [0, 5, 6], lastQuery: nil)])
        let decoder = GreedyDecoder()
        let withPrefix = try decoder.decode(DecodingRequest(prompt: prompt, stop: stop, prefixState: state), model: model)
        let fresh = try decoder.decode(DecodingRequest(prompt: prompt, stop: stop), model: model)
        #expect(withPrefix.best == fresh.best)
        #expect(withPrefix.processedTokens == fresh.processedTokens - 3)
        #expect(state.tokens == [0, 5, 6])                    // forked, never extended

        func rejects(_ request: DecodingRequest, _ name: String) {
            do {
                _ = try decoder.decode(request, model: model)
                Issue.record("expected \(name) to be rejected")
            } catch let DecodingError.invalidParameter(parameter, _) {
                #expect(parameter == name)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        rejects(DecodingRequest(prompt: [0, 5, 9, 7], stop: stop, prefixState: state), "prefixState")
        rejects(DecodingRequest(prompt: [0, 5, 6], stop: stop, prefixState: state), "prefixState")
        rejects(DecodingRequest(prompt: prompt, stop: stop, returnPromptLogProbs: true, prefixState: state),
                "returnPromptLogProbs")
    }

    /// What is not a transcript says so, not a decoder's debug text.
    @Test func textThatIsNotATranscriptIsNamedAsSuch() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chat-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        for (text, start) in [("{", "not a chat transcript: not valid JSON"), ("[1]", "not a chat transcript: the JSON is not an object")] {
            try text.write(to: url, atomically: true, encoding: .utf8)
            do {
                _ = try ChatTranscript.load(from: url)
                Issue.record("\(text) loaded")
            } catch {
                #expect("\(error)".hasPrefix(start), "\(error)")
            }
        }
    }

    /// A reply stopped by the caller is returned but not added: the conversation ends with the user's turn, so a
    /// saved transcript never holds a truncated reply as if complete, and `respond()` answers it afresh.
    @Test func anInterruptedReplyIsNotAddedToTheConversation() throws {
        let session = try ChatSession(model: model, renderer: renderer, decoder: GreedyDecoder(), stop: stop)
        var streamed = 0
        let reply = try session.send(" hi", onToken: { _, _ in streamed += 1; return streamed < 2 })
        #expect(reply.interrupted && reply.hypothesis.tokens.count == 2)
        #expect(session.messages.last == .user(" hi"))
        let answered = try session.respond()
        #expect(!answered.interrupted && session.messages.suffix(2) == [.user(" hi"), .assistant(answered.text)])
        let beam = try ChatSession(model: model, renderer: renderer, decoder: BeamSearchDecoder(numBeams: 2), stop: stop)
        let stopped = try beam.send(" hi", shouldStop: { true })
        #expect(stopped.interrupted && beam.messages.last == .user(" hi"))
    }
}
