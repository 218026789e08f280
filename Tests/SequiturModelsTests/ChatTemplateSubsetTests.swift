import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// The Jinja subset, construct by construct; expected strings were checked against jinja2 with transformers'
/// environment (`trim_blocks=True, lstrip_blocks=True`).
@Suite struct ChatTemplateSubsetTests {
    private func render(_ source: String, _ messages: [ChatMessage] = [], generation: Bool = false) throws -> String {
        try ChatTemplate(source: source).render(messages: messages, addGenerationPrompt: generation,
                                                bosToken: "<s>", eosToken: "</s>")
    }

    @Test func expressionsFollowPythonSemantics() throws {
        #expect(try render("{{ 1 ~ none ~ true }}|{{ [1,\"a\"] }}|{{ 3/2 }}|{{ 4/2 }}|{{ 7//2 }}|{{ -7 % 3 }}|{{ 2**10 }}|{{ {\"a\":1} }}")
                == "1NoneTrue|[1, 'a']|1.5|2.0|3|2|1024|{'a': 1}")
        #expect(try render("{{ 'a' + 'b' * 2 }}{{ 'x' if 1 > 2 else 'y' }}{{ 'b' in 'abc' }}{{ 3 not in [1, 2] }}")
                == "abbyTrueTrue")
        #expect(try render("{{ 'ab\\ncd\\t\\'\\\"\\u00e9\\x41\\q' }}") == "ab\ncd\t'\"éA\\q")
        #expect(try render("{{ not 0 and 'yes' or 'no' }}|{{ 0 or '' or 'last' }}") == "yes|last")
    }

    @Test func filtersBindTighterThanOperators() throws {
        #expect(try render("{{ 'a' + '  b  ' | trim + 'c' }}|{{ [1, 2, 3] | length }}|{{ 'Hi' | upper }}{{ 'Hi' | lower }}")
                == "abc|3|HIhi")
        #expect(try render("{{ {'k': 'v', 'n': [1, none, true]} | tojson }}|{{ [1, 2] | tojson(indent=2) }}")
                == "{\"k\": \"v\", \"n\": [1, null, true]}|[\n  1,\n  2\n]")
        #expect(try render("{{ missing | default('d') }}|{{ ['a', 'b'] | join('-') }}|{{ 'xyz' | first }}{{ 'xyz' | last }}")
                == "d|a-b|xz")
    }

    @Test func testsAndMethods() throws {
        #expect(try render("{{ x is defined }}{{ x is not defined }}{{ none is none }}{{ 'a' is string }}{{ 3 is odd }}")
                == "FalseTrueTrueTrueTrue")
        #expect(try render("{{ '  hi  '.strip() }}|{{ 'a,b'.split(',') }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'[1:] }}{{ 'abc'[-1] }}")
                == "hi|['a', 'b']|True|bcc")
    }

    /// Python slicing with a step, on lists and strings; expected values rendered by jinja2 in transformers'
    /// chat-template environment.
    @Test func slicesWithAStep() throws {
        let slices = ["[::-1]", "[::2]", "[1::2]", "[-2::-1]", "[4:1:-1]", "[:1:-1]", "[10::-1]", "[-10::-1]", "[::-3]",
                      "[5:-10:-2]", "[-1:-7:-1]"]
        let source = "{% set xs = [0, 1, 2, 3, 4, 5] %}{% set s = 'abcdef' %}"
            + slices.map { "{{ (xs\($0))|join(',') }}/{{ s\($0) }}" }.joined(separator: "|")
        #expect(try render(source) == "5,4,3,2,1,0/fedcba|0,2,4/ace|1,3,5/bdf|4,3,2,1,0/edcba|4,3,2/edc|5,4,3,2/fedc|"
                + "5,4,3,2,1,0/fedcba|/|5,2/fc|5,3,1/fdb|5,4,3,2,1,0/fedcba")
        #expect(throws: ChatTemplateError.self) { try self.render("{{ [1, 2][::0] }}") }
    }

    @Test func loopVariablesAndScoping() throws {
        let source = "{% set x = 0 %}{% for m in messages %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}"
            + "{{ loop.last }}{{ loop.length }}:{{ m.role }}/{{ m['content'] }}[{{ x }}]{% set x = 9 %};{% endfor %}{{ x }}"
        #expect(try render(source, [.user("a"), .assistant("b")])
                == "01TrueFalse2:user/a[0];12FalseTrue2:assistant/b[0];0")
        let ns = "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}"
        #expect(try render(ns, [.user("a"), .assistant("b"), .user("c")]) == "3")
        let control = "{% for i in [1, 2, 3, 4] %}{% if i == 2 %}{% continue %}{% elif i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}"
        #expect(try render(control) == "13")
        #expect(try render("{% for i in [] %}x{% else %}empty{% endfor %}") == "empty")
    }

    @Test func whitespaceControlTrimBlocksAndLstripBlocks() throws {
        // trim_blocks removes the newline after a block tag; lstrip_blocks the indentation before it.
        #expect(try render("A\n  {% if true %}\n  B\n  {% endif %}\nC") == "A\n  B\nC")
        // `-` strips all whitespace on its side; `}}` is not a block tag, so its newline stays.
        #expect(try render("A  \n {{- 'x' -}}  \n B\n{{ 'y' }}\nZ") == "AxB\ny\nZ")
        // `+%}` keeps the newline; `{%+` keeps the indentation; one trailing newline of the template is dropped.
        #expect(try render("  {%+ if true +%}\nX{% endif %}\n") == "  \nX")
        #expect(try render("{# comment #}\nA{#- tight -#}  B") == "AB")
    }

    @Test func generationBlocksRenderTheirBody() throws {
        #expect(try render("{% for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}{% endfor %}",
                           [.assistant("x"), .assistant("y")]) == "xy")
    }
}
