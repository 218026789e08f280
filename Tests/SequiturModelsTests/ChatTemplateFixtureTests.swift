import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import Sequitur
import SequiturArchitectures
import Testing

/// Fixtures from scripts/reference/chat_templates.py: transformers' own renderings, compared character for
/// character.
enum ChatFixtures {
    struct Case: Decodable {
        var name: String
        var messages: [ChatMessage]
        var add_generation_prompt: Bool
        var expected: String?
        var error: String?
    }

    struct Template: Decodable {
        var name: String?
        var template: String
        var bos_token: String
        var eos_token: String
        var variables: [String: ChatTemplateVariable]?
        var cases: [Case]
    }

    struct Others: Decodable { var templates: [Template] }

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/chat")
    }

    static func load<T: Decodable>(_ type: T.Type, _ file: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(file)))
    }

    static var smollm2: Template { get throws { try load(Template.self, "smollm2.json") } }
    static var others: [Template] { get throws { try load(Others.self, "other_templates.json").templates } }
    static var families: [Template] { get throws { try load(Others.self, "family_templates.json").templates } }

    /// Renders every case and checks it against the fixture (text, or the template's raise_exception message).
    static func check(_ fixture: Template) throws {
        let template = try ChatTemplate(source: fixture.template)
        for c in fixture.cases {
            let label = "\(fixture.name ?? "smollm2") / \(c.name) / generation prompt \(c.add_generation_prompt)"
            do {
                let text = try template.render(messages: c.messages, addGenerationPrompt: c.add_generation_prompt,
                                               bosToken: fixture.bos_token, eosToken: fixture.eos_token,
                                               extraVariables: fixture.variables ?? [:])
                #expect(c.error == nil, "\(label): expected error \(c.error ?? ""), rendered \(text.debugDescription)")
                #expect(text == c.expected, "\(label)")
            } catch let error as ChatTemplateError {
                guard case let .raised(message, _) = error, let expected = c.error else {
                    Issue.record("\(label): unexpected error \(error)")
                    continue
                }
                #expect(message == expected, "\(label)")
            }
        }
    }
}

@Suite struct ChatTemplateFixtureTests {
    @Test func smolLM2RendersExactlyAsTransformers() throws {
        let fixture = try ChatFixtures.smollm2
        #expect(fixture.cases.count >= 30)
        try ChatFixtures.check(fixture)
    }

    @Test(arguments: ["llama3", "mistral", "chatml_multiline"])
    func wellKnownTemplatesRenderExactlyAsJinja(name: String) throws {
        let fixture = try #require(try ChatFixtures.others.first { $0.name == name })
        try ChatFixtures.check(fixture)
    }

    /// The templates of the families Sequitur loads, verbatim from llama.cpp's copies of each model's
    /// tokenizer_config.json (Qwen 3 with `enable_thinking` unset, true and false).
    @Test(arguments: ["qwen2.5", "qwen3", "qwen3-thinking-on", "qwen3-thinking-off", "gemma2", "phi3.5"])
    func familyTemplatesRenderExactlyAsTransformers(name: String) throws {
        let fixture = try #require(try ChatFixtures.families.first { $0.name == name })
        #expect(fixture.cases.count >= 30 && fixture.cases.contains { $0.expected != nil })
        try ChatFixtures.check(fixture)
    }

    @Test func mistralTemplateRejectsNonAlternatingRoles() throws {
        let fixture = try #require(try ChatFixtures.others.first { $0.name == "mistral" })
        #expect(fixture.cases.contains { $0.error != nil } && fixture.cases.contains { $0.expected != nil })
    }

    @Test(.enabled(if: GGUFTestSupport.shouldRunModelTests))
    func defaultModelCarriesTheFixtureTemplate() throws {
        let file = try GGUFFile(contentsOf: try GGUFTestSupport.requireDefaultModel())
        let template = try ChatTemplate(gguf: file)
        let fixture = try ChatFixtures.smollm2
        #expect(template.source == fixture.template)
        let tokens = try ChatTemplate.specialTokenTexts(gguf: file)
        #expect(tokens.bos == fixture.bos_token)
        #expect(tokens.eos == fixture.eos_token)
    }
}
