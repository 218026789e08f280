import SequiturCore
import SequiturJinja
import Testing

/// A chat template comes from the model file: integer arithmetic that leaves 64 bits, and strings or lists
/// built beyond `TemplateSizeLimit`, are template errors rather than a crash or an allocation that kills the
/// process. (Found reviewing the code Fuzz/fuzz-chat-template runs; the inputs are in
/// Fuzz/Regressions/fuzz-chat-template/.)
@Suite struct ChatTemplateHostileArithmeticTests {
    private func render(_ source: String) throws -> String {
        try ChatTemplate(source: source).render(messages: [ChatMessage(role: "user", content: "Hi")],
                                                addGenerationPrompt: false, bosToken: "", eosToken: "")
    }

    private func message(_ source: String) -> String? {
        do {
            _ = try render(source)
            return nil
        } catch { return "\(error)" }
    }

    @Test func integerOperatorsAreExactAndFollowPython() throws {
        #expect(try render("{{ 9223372036854775807 // 1 }}") == "9223372036854775807")   // trapped via Double
        #expect(try render("{{ 9007199254740993 // 1 }}") == "9007199254740993")         // lost precision via Double
        #expect(try render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 // -2 }} {{ -7 // -2 }}") == "3 -4 -4 3")
        #expect(try render("{{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7 % -3 }}") == "1 2 -2 -1")
        #expect(try render("{{ (-9223372036854775807 - 1) % -1 }}") == "0")                // trapped in Swift
        #expect(try render("{{ 2 ** 62 }} {{ (-3) ** 3 }} {{ 5 ** 0 }}") == "4611686018427387904 -27 1")
    }

    @Test func integerResultsBeyond64BitsAreErrors() {
        #expect(message("{{ 2 ** 64 }}")?.contains("integer overflow in 2 ** 64") == true)
        #expect(message("{{ (-9223372036854775807 - 1) // -1 }}")?.contains("integer overflow") == true)
        #expect(message("{{ -(-9223372036854775807 - 1) }}")?.contains("integer overflow") == true)
        #expect(message("{{ (-9223372036854775807 - 1) | abs }}")?.contains("integer overflow") == true)
        for source in ["{{ (10.0 ** 300) | int }}", "{{ '1e300' | int }}", "{{ (10.0 ** 400) | int }}"] {
            #expect(message(source)?.contains("cannot convert float") == true, "\(source)")
        }
    }

    @Test func intAbsAndMinusInRangeStillWork() throws {
        #expect(try render("{{ 2.9 | int }} {{ -2.9 | int }} {{ ' 12 ' | int }} {{ '3.5' | int }} {{ 'x' | int }}") == "2 -2 12 3 0")
        #expect(try render("{{ -5 | abs }} {{ -(3) }} {{ -(-9223372036854775807) }}") == "5 -3 9223372036854775807")
    }

    @Test(arguments: [
        "{{ 'ab' * 3000000000 }}",
        "{{ [1, 2] * 9223372036854775807 }}",
        "{% set ns = namespace(s='ab') %}{% for m in [1] * 40 %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "{% set ns = namespace(s='ab') %}{% for m in [1] * 40 %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{% set ns = namespace(l=[1]) %}{% for m in [1] * 40 %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
        "{% for m in [1] * 100000 %}{{ 'x' * 1000 }}{% endfor %}",
        "{% for m in [1] * 100000 %}" + String(repeating: "y", count: 1000) + "{% endfor %}",
    ])
    func buildingBeyondTheSizeLimitIsAnError(source: String) {
        let error = message(source)
        #expect(error?.contains("the most a template may build") == true, "\(error ?? "rendered")")
    }
}
