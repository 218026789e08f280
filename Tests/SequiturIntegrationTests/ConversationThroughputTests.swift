import Foundation
import Sequitur
import SequiturDiagnostics
import Testing

/// Conversation scoring runs at plain scoring's tokens/s: the assistant masks are target queries in the same
/// single pass, not a second pass. Opt-in, as timings mean something only in a release build:
///
///     SEQUITUR_BENCH=1 swift test -c release --filter ConversationThroughputTests
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SEQUITUR_BENCH"] != nil, "set SEQUITUR_BENCH=1"))
struct ConversationThroughputTests {
    @Test func conversationScoringRunsAtPlainScoringSpeed() throws {
        try SharedDefaultModel.withAll { loaded in
            let count = Int(ProcessInfo.processInfo.environment["SEQUITUR_BENCH_CONVERSATIONS"] ?? "") ?? 8
            let conversations = ConversationBenchmark.conversations(count: count, rounds: 4, wordsPerMessage: 66, seed: 1)
            _ = try ConversationBenchmark.run(Array(conversations.prefix(1)), renderer: loaded.renderer, model: loaded.model)
            let r = try ConversationBenchmark.run(conversations, renderer: loaded.renderer, model: loaded.model)
            print(String(format: "conversation scoring (cpu, 2 threads): %d conversations, %d tokens fed (%.0f per conversation), %d scored; conversations %.1f tokens/s, plain %.1f tokens/s, ratio %.3f",
                         r.conversations, r.fedTokens, Double(r.fedTokens) / Double(r.conversations), r.scoredTokens,
                         r.conversationTokensPerSecond, r.plainTokensPerSecond, r.speedRatio))
            #expect(r.speedRatio > 0.9, "conversation scoring is more than 10% slower than plain scoring")
        }
    }
}
