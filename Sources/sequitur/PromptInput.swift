import Foundation
import Sequitur

/// The input line of `generate --input` and `compare-decoders --output`: `{"id", "prompt"}`.
enum PromptInput {
    /// The line's id and its prompt's tokens (wrapped as a user message with the chat template when `chat`),
    /// checked by the decoding plan (an empty prompt, one past the context length) so that the error names
    /// the line before any work starts.
    static func parse(_ object: [String: Any], runtime rt: ModelRuntime, chat: Bool, stop: StopConditions,
                      templateVariables: [String: ChatTemplateVariable] = [:]) throws -> (id: String, request: [TokenID]) {
        let id = try JSONLFieldReader.id(object)
        guard let prompt = try JSONLFieldReader.optionalString(object, "prompt") else {
            throw JSONLFieldError(field: "prompt", problem: "missing")
        }
        let ids = chat
            ? try rt.chatPrompt([ChatMessage(role: "user", content: prompt)], extraVariables: templateVariables)
            : rt.tokenizer.encode(prompt)
        _ = try DecodingPlan(DecodingRequest(prompt: ids, stop: stop), model: rt.model)
        return (id, ids)
    }
}
