import SequiturCore

/// A model's chat template (GGUF `tokenizer.chat_template`), parsed once and rendered for any conversation with
/// the semantics of Hugging Face transformers' `apply_chat_template(tokenize=False)`.
///
/// It is an interpreter for the subset of Jinja that chat templates use, under the environment transformers
/// builds (`trim_blocks=True`, `lstrip_blocks=True`, `keep_trailing_newline=False`, `loopcontrols`):
///
/// - `{{ expr }}`, `{% if %}/{% elif %}/{% else %}/{% endif %}`, `{% for x in xs %}...{% else %}...{% endfor %}`
///   (with `loop.index0/index/first/last/length/revindex/revindex0/previtem/nextitem`), `{% set x = ... %}`,
///   `{% set ns.x = ... %}` with `namespace()`, `{% break %}`, `{% continue %}`, `{# comments #}`,
///   `{% generation %}` (rendered as its body), and whitespace control (`{%-`, `-%}`, `{{-`, `-}}`, `{%+`).
/// - Literals (strings with Python escapes, numbers, `true/false/none`, lists, dicts), `+ - * / // % **`, `~`,
///   comparisons, `and/or/not`, `in`/`not in`, `a if c else b`, attributes and subscripts (`message.role`,
///   `message['role']`, `messages[1:]`, `messages[-1]`).
/// - Filters: `trim length count upper lower capitalize tojson first last join default string int float abs
///   reverse replace list`; tests: `defined undefined none string number integer float boolean mapping sequence
///   iterable true false odd even divisibleby eq ne equalto`; string methods `strip lstrip rstrip upper lower
///   capitalize startswith endswith replace split`, dict methods `get keys values items`.
/// - `raise_exception(message)` throws `ChatTemplateError.raised` with the template's message.
///
/// Anything else (macros, `include`, unknown filters, ...) is a `ChatTemplateError` naming the construct and its
/// line and column: a template is never silently rendered some other way.
///
/// ```swift
/// let template = try ChatTemplate(source: chatTemplateText)
/// let text = try template.render(messages: [.user("Hi!")], addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
/// ```
public struct ChatTemplate: Sendable {
    /// The template text as given.
    public let source: String
    private let nodes: ParsedNodes

    /// Parses `source`; syntax errors and unsupported constructs are reported here, before any rendering.
    public init(source: String) throws {
        self.source = source
        var lexer = TemplateLexer(source: source)
        var parser = TemplateParser(segments: try lexer.segments())
        self.nodes = ParsedNodes(nodes: try parser.parseTemplate())
    }

    /// Renders the conversation as the model expects to read it.
    ///
    /// - Parameters:
    ///   - addGenerationPrompt: append the markup that opens an assistant turn (the template's
    ///     `add_generation_prompt`).
    ///   - bosToken, eosToken: the texts of the model's BOS and EOS tokens (templates variables `bos_token`,
    ///     `eos_token`).
    ///   - extraVariables: more template variables, e.g. a date some templates print, or Qwen 3's
    ///     `enable_thinking: false`.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, bosToken: String, eosToken: String,
                       extraVariables: [String: ChatTemplateVariable] = [:]) throws -> String {
        var variables: [String: TemplateValue] = extraVariables.mapValues(\.templateValue)
        variables["messages"] = .list(messages.map { message in
            var d = TemplateDictionary()
            d["role"] = .string(message.role)
            d["content"] = .string(message.content)
            return .dictionary(d)
        })
        variables["add_generation_prompt"] = .boolean(addGenerationPrompt)
        variables["bos_token"] = .string(bosToken)
        variables["eos_token"] = .string(eosToken)
        let evaluator = TemplateEvaluator(variables: variables)
        try evaluator.render(nodes.nodes)
        return evaluator.output
    }
}

/// The parsed template. Nodes are immutable after parsing (the namespace objects a render creates live in its
/// own evaluator), so sharing them across threads is safe.
private struct ParsedNodes: @unchecked Sendable {
    let nodes: [TemplateNode]
}
