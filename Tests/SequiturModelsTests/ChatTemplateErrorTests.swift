import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// Unsupported or broken templates fail loudly, naming the construct and where it is.
@Suite struct ChatTemplateErrorTests {
    private func error(_ source: String, _ messages: [ChatMessage] = []) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source).render(messages: messages, addGenerationPrompt: false,
                                                        bosToken: "", eosToken: "")
            return nil
        } catch let e as ChatTemplateError {
            return e
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func unknownFilterIsNamedWithItsPosition() {
        let e = error("ok\n{{ messages | shuffle }}")
        #expect(e == .unsupported(construct: "filter 'shuffle'", at: TemplateLocation(line: 2, column: 15)))
        #expect(e?.description.contains("line 2, column 15") == true)
    }

    @Test func unknownTestAndTagAreUnsupported() {
        #expect(error("{{ 1 is prime }}") == .unsupported(construct: "test 'prime'", at: TemplateLocation(line: 1, column: 9)))
        #expect(error("{% macro f() %}{% endmacro %}") == .unsupported(construct: "'{% macro %}' tag",
                                                                       at: TemplateLocation(line: 1, column: 1)))
        #expect(error("{{ 'x'.zfill(3) }}") == .unsupported(construct: "function or method 'zfill'",
                                                           at: TemplateLocation(line: 1, column: 13)))
    }

    @Test func unclosedBlocksAndTags() {
        #expect(error("{% for m in messages %}\n{{ m }}") == .syntax(
            message: "'{% for %}' block is never closed (expected '{% else %}' or '{% endfor %}')",
            at: TemplateLocation(line: 1, column: 1)))
        #expect(error("a {% if true %}b{% else %}c") == .syntax(
            message: "'{% if %}' block is never closed (expected '{% endif %}')", at: TemplateLocation(line: 1, column: 3)))
        #expect(error("{{ 'abc' ") == .syntax(message: "'{{' is never closed with '}}'", at: TemplateLocation(line: 1, column: 1)))
        #expect(error("{{ 'abc }}") == .syntax(message: "string literal is never closed", at: TemplateLocation(line: 1, column: 4)))
        #expect(error("{% endif %}") == .syntax(message: "'{% endif %}' without a matching opening tag",
                                                at: TemplateLocation(line: 1, column: 1)))
    }

    @Test func raiseExceptionCarriesTheTemplatesMessage() {
        let source = "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('no tools at ' ~ loop.index0) }}{% endif %}{% endfor %}"
        let e = error(source, [.user("a"), ChatMessage(role: "tool", content: "b")])
        // The location is the call's opening parenthesis.
        #expect(e == .raised(message: "no tools at 1", at: TemplateLocation(line: 1, column: 67)))
        #expect(e?.description.contains("no tools at 1") == true)
    }

    @Test func evaluationErrorsNameTheUndefinedVariable() {
        let e = error("{{ nothing + 1 }}")
        guard case let .evaluation(message, at)? = e else {
            Issue.record("expected an evaluation error, got \(String(describing: e))")
            return
        }
        #expect(message.contains("'nothing' is undefined (used as an operand of '+')"))
        #expect(at == TemplateLocation(line: 1, column: 12), "the operator that used the undefined value")
    }
}
