import Foundation
import SequiturCore

/// Chat transcripts on disk: one JSON line, `{"id": "...", "messages": [{"role": "user", "content": "..."}, ...]}`,
/// the line format of `sequitur score --conversations`, so a saved chat (or several, concatenated) is scored as
/// it is.
///
/// ```swift
/// let chat = try ChatSession(model: model, renderer: renderer, decoder: decoder,
///                            messages: ChatTranscript.load(from: url))
/// try chat.send("Hello")
/// try ChatTranscript.save(chat.messages, to: url)
/// ```
public enum ChatTranscript {
    /// The messages of a transcript: any JSON object with a `messages` list (pretty-printed ones included; the
    /// `id` is optional). A malformed message throws `ConversationError` naming its index; text that is not one
    /// JSON object throws `ChatTranscriptError`. An empty list and empty replies are allowed (a new chat; a
    /// model that answered nothing).
    public static func load(from url: URL) throws -> [ChatMessage] {
        let data = try Data(contentsOf: url)
        let conversation: Conversation
        do { conversation = try JSONDecoder().decode(Conversation.self, from: data) } catch is Swift.DecodingError {
            // Malformed messages are ConversationErrors; a DecodingError means the text is no JSON object at all.
            throw ChatTranscriptError.notAnObject(detail: Self.jsonProblem(data))
        }
        try conversation.validate(allowEmpty: true, allowEmptyContent: true)
        return conversation.messages
    }

    /// Writes the transcript atomically (to a temporary file renamed over `url`), so an interrupted save never
    /// leaves a truncated transcript behind. The id is `id`, or the file's name without its extension, so that
    /// transcripts saved under different names concatenate into a JSONL file with distinct ids.
    public static func save(_ messages: [ChatMessage], to url: URL, id: String? = nil) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = Line(id: id ?? url.deletingPathExtension().lastPathComponent, messages: messages)
        var data = try encoder.encode(line)
        data.append(0x0A)
        try data.write(to: url, options: .atomic)
    }

    private struct Line: Encodable {
        let id: String
        let messages: [ChatMessage]
    }

    /// What is wrong with text that did not parse as a JSON object, as precisely as the parser says.
    private static func jsonProblem(_ data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
            return "the JSON is not an object; expected {\"messages\": [...]}"
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON" + (detail.map { " (\($0))" } ?? "")
        }
    }
}

/// Why a file is not a chat transcript.
public enum ChatTranscriptError: Error, CustomStringConvertible, Equatable {
    case notAnObject(detail: String)

    public var description: String {
        switch self {
        case let .notAnObject(detail): return "not a chat transcript: \(detail)"
        }
    }
}
