/// A conversation as inputs and transcripts store it: `{"messages": [{"role": ..., "content": ...}, ...]}`.
///
/// Decoding checks every message and reports the first bad one by its index (`ConversationError`), so a tool
/// reading JSON Lines only has to add the line number:
///
/// ```swift
/// let conversation = try JSONDecoder().decode(Conversation.self, from: line)   // also reads "id"-carrying lines
/// try conversation.validate()                                                  // non-empty, for scoring
/// ```
///
/// Decoding accepts an empty list (a new chat transcript); `validate()` rejects it, as scoring needs a message.
public struct Conversation: Sendable, Hashable {
    public var messages: [ChatMessage]

    public init(messages: [ChatMessage]) { self.messages = messages }

    /// Checks what scoring and chatting need: at least one message (unless `allowEmpty`), every role one of
    /// `ChatMessage.standardRoles`, and non-empty content (unless `allowEmptyContent`: a chat model may reply
    /// with nothing).
    public func validate(allowEmpty: Bool = false, allowEmptyContent: Bool = false) throws {
        try Self.validate(messages, allowEmpty: allowEmpty, allowEmptyContent: allowEmptyContent)
    }

    /// `validate` for a bare message list.
    public static func validate(_ messages: [ChatMessage], allowEmpty: Bool = false,
                                allowEmptyContent: Bool = false) throws {
        if messages.isEmpty && !allowEmpty { throw ConversationError.empty }
        for (index, message) in messages.enumerated() {
            guard ChatMessage.standardRoles.contains(message.role) else {
                throw ConversationError.unknownRole(messageIndex: index, role: message.role)
            }
            if message.content.isEmpty && !allowEmptyContent { throw ConversationError.emptyContent(messageIndex: index) }
        }
    }
}

extension Conversation: Codable {
    private enum CodingKeys: String, CodingKey { case messages }
    private enum MessageKeys: String, CodingKey { case role, content }

    /// Reads `messages`, checking each one's shape and role: a missing or non-string `role` or `content`, or an
    /// unknown role, is a `ConversationError` naming the message index. (Empty content is left to `validate`.)
    public init(from decoder: any Swift.Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.messages) else { throw ConversationError.missingMessages }
        var list: UnkeyedDecodingContainer
        do {
            list = try container.nestedUnkeyedContainer(forKey: .messages)
        } catch {
            throw ConversationError.missingMessages
        }
        var messages: [ChatMessage] = []
        while !list.isAtEnd {
            let index = messages.count
            let fields: KeyedDecodingContainer<MessageKeys>
            do {
                fields = try list.nestedContainer(keyedBy: MessageKeys.self)
            } catch {
                throw ConversationError.notAMessage(messageIndex: index)
            }
            func string(_ key: MessageKeys, missing: ConversationError) throws -> String {
                guard fields.contains(key), (try? fields.decodeNil(forKey: key)) == false else { throw missing }
                do {
                    return try fields.decode(String.self, forKey: key)
                } catch {
                    throw ConversationError.notAString(messageIndex: index, field: key.rawValue)
                }
            }
            let role = try string(.role, missing: .missingRole(messageIndex: index))
            guard ChatMessage.standardRoles.contains(role) else {
                throw ConversationError.unknownRole(messageIndex: index, role: role)
            }
            let content = try string(.content, missing: .missingContent(messageIndex: index))
            messages.append(ChatMessage(role: role, content: content))
        }
        self.messages = messages
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
    }
}

/// A conversation that cannot be scored or continued, and why; message indices count from 0 in input order.
public enum ConversationError: Error, CustomStringConvertible, Equatable {
    /// The input has no `messages` list.
    case missingMessages
    /// The message list is empty.
    case empty
    case notAMessage(messageIndex: Int)
    case missingRole(messageIndex: Int)
    case missingContent(messageIndex: Int)
    case notAString(messageIndex: Int, field: String)
    case unknownRole(messageIndex: Int, role: String)
    case emptyContent(messageIndex: Int)
    /// Scoring needs at least one assistant message.
    case noAssistantMessage
    /// Rendering the messages before (or through) this one is not a prefix of rendering the whole conversation,
    /// so the turn has no fixed place in the text (the template renders earlier messages differently depending on
    /// what follows them).
    case notPrefixStable(messageIndex: Int, detail: String)
    /// The tokenization of the whole text does not split at this turn's start or end (a merge crosses it).
    case tokenBoundaryInsideToken(messageIndex: Int, utf8Offset: Int, edge: String)
    /// The turn starts at the first token of the text, so it has nothing to condition on.
    case nothingBeforeTurn(messageIndex: Int)
    /// No end-of-turn token (`ConversationRenderer.endOfTurnTokens`) appears inside the turn.
    case noEndOfTurnMarker(messageIndex: Int)
    /// A renderer's tokens do not spell its text back (a byte the vocabulary lacks was dropped, say).
    case misalignedTokens(detail: String)
    /// An error inside one conversation of a batch.
    indirect case inConversation(index: Int, ConversationError)

    public var description: String {
        switch self {
        case .missingMessages:
            return "the conversation has no \"messages\" list"
        case .empty:
            return "the conversation is empty: \"messages\" has no messages"
        case let .notAMessage(i):
            return "message \(i) is not an object with \"role\" and \"content\""
        case let .missingRole(i):
            return "message \(i) has no \"role\""
        case let .missingContent(i):
            return "message \(i) has no \"content\""
        case let .notAString(i, field):
            return "message \(i): \"\(field)\" is not a string"
        case let .unknownRole(i, role):
            return "message \(i) has unknown role \"\(role)\" (expected one of \(ChatMessage.standardRoles.joined(separator: ", ")))"
        case let .emptyContent(i):
            return "message \(i) has empty \"content\""
        case .noAssistantMessage:
            return "the conversation has no assistant message, so there is nothing to score"
        case let .notPrefixStable(i, detail):
            return "message \(i): the chat template is not prefix-stable (\(detail)), so the turn's tokens cannot be located in the rendered conversation"
        case let .tokenBoundaryInsideToken(i, offset, edge):
            return "message \(i): the turn's \(edge) (UTF-8 offset \(offset) of the rendered conversation) falls inside a token, so the turn has no exact token span"
        case let .nothingBeforeTurn(i):
            return "message \(i): the assistant turn starts at the first token of the rendered conversation, so its first token has no conditional probability"
        case let .noEndOfTurnMarker(i):
            return "message \(i): no end-of-turn token inside the rendered assistant turn"
        case let .misalignedTokens(detail):
            return "the tokens do not spell the rendered text back: \(detail)"
        case let .inConversation(index, error):
            return "conversation \(index): \(error)"
        }
    }
}
