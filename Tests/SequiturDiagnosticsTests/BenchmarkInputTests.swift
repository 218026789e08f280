import SequiturCore
import SequiturDiagnostics
import Testing

/// Benchmarks compare across runs and machines only if their inputs are the same every time.
@Suite struct BenchmarkInputTests {
    @Test func mixedTextIsTheSameForASeedAndCoversManyScripts() {
        let text = TokenizerBenchmark.mixedText(byteCount: 20_000)
        #expect(text == TokenizerBenchmark.mixedText(byteCount: 20_000))
        #expect(text != TokenizerBenchmark.mixedText(byteCount: 20_000, seed: 1))
        #expect(text.utf8.count >= 20_000)
        #expect(text.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }, "CJK")
        #expect(text.unicodeScalars.contains { $0.value >= 0x1F300 }, "emoji")
        #expect(text.contains("\r\n"))
    }

    @Test func conversationsAreTheSameForASeed() {
        let a = ConversationBenchmark.conversations(count: 3, rounds: 2, wordsPerMessage: 5, seed: 1)
        #expect(a == ConversationBenchmark.conversations(count: 3, rounds: 2, wordsPerMessage: 5, seed: 1))
        #expect(a != ConversationBenchmark.conversations(count: 3, rounds: 2, wordsPerMessage: 5, seed: 2))
        #expect(a.count == 3)
        #expect(a.allSatisfy { $0.count == 1 + 2 * 2 })
    }
}
