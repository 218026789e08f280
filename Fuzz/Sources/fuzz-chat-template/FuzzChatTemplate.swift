import FuzzSupport
import Sequitur

// Fuzzes the chat-template engine, which runs templates taken from model files. The first input byte picks
// the mode: parse and render the rest as a template against fixed messages, or render the real SmolLM2
// template with the rest as message contents. Template errors (syntax, unsupported constructs,
// `raise_exception`) are expected; crashes, hangs and unbounded allocation are not.

let fixedMessages = [
    ChatMessage(role: "system", content: "You are terse."),
    ChatMessage(role: "user", content: "Hello!"),
    ChatMessage(role: "assistant", content: "Hi. What do you need?"),
    ChatMessage(role: "user", content: "Nothing, thanks."),
]
let smolLM2: ChatTemplate = {
    do { return try ChatTemplate(source: smolLM2ChatTemplate) } catch { fatalError("SmolLM2 template: \(error)") }
}()
let roles = ["system", "user", "assistant", "tool"]

/// Builds the fixtures before the first input (see `withoutLeakTracking`).
@_cdecl("LLVMFuzzerInitialize")
public func initializeChatTemplateFixtures(_ argc: UnsafeMutablePointer<CInt>?,
                                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    withoutLeakTracking { _ = (smolLM2, fixedMessages, roles) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChatTemplate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let addGenerationPrompt = input.selector & 2 != 0
    if input.selector & 1 == 0 {
        guard let template = try? ChatTemplate(source: input.payloadText) else { return 0 }
        _ = try? template.render(messages: fixedMessages, addGenerationPrompt: addGenerationPrompt,
                                 bosToken: "<|im_start|>", eosToken: "<|im_end|>", extraVariables: ["date": "1 Jan 2026"])
        _ = try? template.render(messages: [], addGenerationPrompt: addGenerationPrompt, bosToken: "", eosToken: "")
    } else {
        // One message per line: its role is chosen by the line's first byte, the content is the rest.
        let messages = input.payloadText.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let role = roles[Int(line.utf8.first ?? 0) % roles.count]
            return ChatMessage(role: role, content: String(line.dropFirst()))
        }
        do {
            let text = try smolLM2.render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                          bosToken: "<|im_start|>", eosToken: "<|im_end|>")
            for message in messages {
                fuzzCheck(containsUTF8(text, message.content), "the content of a message is missing from the text")
            }
        } catch {
            fatalError("the SmolLM2 template refused messages it renders in transformers: \(error)")
        }
    }
    return 0
}
