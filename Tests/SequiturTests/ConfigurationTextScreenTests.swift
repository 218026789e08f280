import Foundation
import Sequitur
import Testing

/// Configuration text that would make the YAML parser itself expand without bound or recurse off the stack is
/// refused first, with the line; ordinary text with `*` and `&` inside values still reads.
@Suite struct ConfigurationTextScreenTests {
    @Test func billionLaughsIsRefusedAtItsFirstAnchor() {
        var lines = ["a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
        for i in 1..<9 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]") }
        let error = configurationRefusal(lines.joined(separator: "\n"))
        #expect(error?.contains("line 1") == true && error?.contains("anchors and aliases") == true, "\(error ?? "accepted")")
    }

    @Test func deepJSONAndDeepYAMLAreRefusedBeforeParsing() {
        let json = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(configurationRefusal(json)?.contains("nests more than 64 levels") == true)
        let yaml = (0..<5000).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n")
        #expect(configurationRefusal(yaml)?.contains("indented more than") == true)
    }

    @Test func starsAndAmpersandsInsideValuesAreFine() throws {
        let c = try ConfigurationLoader.parse("""
            # a comment with * and & in it
            stop: { stopStrings: ["*", "&", "a * b"], maxNewTokens: 4 }
            decoder: { name: greedy }
            model: /tmp/a*b&c.gguf
            """)
        #expect(c.stop.stopStrings == ["*", "&", "a * b"])
        #expect(c.model == "/tmp/a*b&c.gguf")
    }
}
