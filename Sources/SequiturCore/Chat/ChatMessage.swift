/// One message of a conversation, in the OpenAI / Hugging Face chat format: `{"role": ..., "content": ...}`.
///
/// It lives in SequiturCore because both the chat template (SequiturJinja) and conversation scoring
/// (SequiturScoring) speak it, and neither depends on the other.
///
/// ```swift
/// let chat = [ChatMessage(role: "user", content: "Hi!")]
/// let prompt = try template.render(messages: chat, addGenerationPrompt: true, bosToken: "", eosToken: "")
/// ```
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user`, `assistant` or `tool` (templates see whatever string is here).
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// The roles conversation inputs are checked against.
    public static let standardRoles = ["system", "user", "assistant", "tool"]

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}
