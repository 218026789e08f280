import Foundation
import SequiturCore

/// Chat transcripts on disk: `{"messages": [{"role": "user", "content": "..."}, ...]}`, the format conversation
/// inputs use, so a saved chat can be scored as it is.
///
/// ```swift
/// let chat = try ChatSession(model: model, renderer: renderer, decoder: decoder,
///                            messages: ChatTranscript.load(from: url))
/// try chat.send("Hello")
/// try ChatTranscript.save(chat.messages, to: url)
/// ```
public enum ChatTranscript {
    /// The messages of a transcript. A malformed one throws `ConversationError` naming the message index; an
    /// empty list and empty replies are allowed (a new chat; a model that answered nothing).
    public static func load(from url: URL) throws -> [ChatMessage] {
        let conversation = try JSONDecoder().decode(Conversation.self, from: Data(contentsOf: url))
        try conversation.validate(allowEmpty: true, allowEmptyContent: true)
        return conversation.messages
    }

    /// Writes the transcript atomically (to a temporary file renamed over `url`), so an interrupted save never
    /// leaves a truncated transcript behind.
    public static func save(_ messages: [ChatMessage], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Conversation(messages: messages))
        data.append(0x0A)
        try data.write(to: url, options: .atomic)
    }
}
