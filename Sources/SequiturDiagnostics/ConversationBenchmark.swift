import SequiturCore
import SequiturScoring

/// The conversation-scoring benchmark `sequitur bench` runs: score synthetic conversations with
/// `ConversationScorer`, then the same token sequences with plain `DirectScorer` requests, and compare tokens/s.
/// Selective scoring must not cost a second pass, so the conversation rate must be at least the plain rate within
/// 10%. (It is usually a little higher: the plain requests ask for a log-prob at every position after the first
/// assistant turn, user turns included, and each asked position costs an output-head row; the conversation
/// scorer asks only at assistant positions; `sequitur bench --only conversations` reports both rates.)
///
/// ```swift
/// let conversations = ConversationBenchmark.conversations(count: 64, rounds: 4, wordsPerMessage: 66, seed: 1)
/// let result = try ConversationBenchmark.run(conversations, renderer: renderer, model: model)
/// print(result.conversationTokensPerSecond, result.plainTokensPerSecond)
/// ```
public enum ConversationBenchmark {
    /// `count` conversations of a system message and `rounds` user/assistant pairs, each message
    /// `wordsPerMessage` words drawn from a fixed English word list by a seeded generator (about 1.05 tokens per
    /// word for SmolLM2: 4 rounds of 66-word messages render to about 600 tokens).
    public static func conversations(count: Int, rounds: Int, wordsPerMessage: Int, seed: UInt64) -> [[ChatMessage]] {
        // Reproducible across platforms, unlike the system generator.
        var random = SplitMix64(seed: seed)
        func next() -> Int { Int(truncatingIfNeeded: random.next() >> 1) }
        func sentence() -> String {
            let text = (0..<max(1, wordsPerMessage)).map { _ in words[next() % words.count] }.joined(separator: " ")
            return text.prefix(1).uppercased() + text.dropFirst() + "."
        }
        return (0..<count).map { _ in
            [.system("You are a helpful assistant.")]
                + (0..<rounds).flatMap { _ in [ChatMessage.user(sentence()), .assistant(sentence())] }
        }
    }

    /// Times `ConversationScorer.score(layouts:)` and `DirectScorer` on the same tokens (context: everything before
    /// the first assistant turn; continuation: everything through the last scored token, so both feed exactly
    /// `fedTokenCount` tokens per conversation). Rendering and tokenizing are done before either clock starts.
    public static func run(_ conversations: [[ChatMessage]], renderer: any ConversationRenderer,
                           model: any LanguageModel, batchSize: Int = 16) throws -> ConversationBenchmarkResult {
        let scorer = ConversationScorer(batchSize: batchSize)
        let layouts = try conversations.map { try scorer.layout($0, renderer: renderer) }
        let plain = layouts.enumerated().map { i, layout in
            let start = layout.turns[0].tokenRange.lowerBound
            return ScoringRequest(id: "\(i)", context: Array(layout.tokens[..<start]),
                                  continuation: Array(layout.tokens[start..<(layout.fedTokenCount + 1)]))
        }
        let clock = ContinuousClock()
        var scores: [ConversationScore] = []
        let conversationTime = try clock.measure { scores = try scorer.score(layouts: layouts, model: model) }
        let plainTime = try clock.measure { _ = try DirectScorer(batchSize: batchSize).score(plain, model: model) }
        return ConversationBenchmarkResult(
            conversations: layouts.count,
            fedTokens: scores.reduce(0) { $0 + $1.fedTokenCount },
            scoredTokens: scores.reduce(0) { $0 + $1.scoredTokenCount },
            conversationSeconds: Self.seconds(conversationTime),
            plainSeconds: Self.seconds(plainTime))
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    private static let words = [
        "the", "model", "reads", "a", "short", "story", "about", "river", "and", "mountain", "people", "who",
        "live", "near", "old", "bridge", "every", "morning", "they", "walk", "to", "market", "with", "bread",
        "fresh", "fish", "apples", "from", "green", "garden", "children", "play", "games", "while", "rain",
        "falls", "on", "roof", "of", "small", "house", "where", "teacher", "explains", "numbers", "letters",
        "history", "science", "music", "because", "learning", "makes", "life", "better", "for", "everyone",
    ]
}

/// What `ConversationBenchmark.run` measured.
public struct ConversationBenchmarkResult: Sendable, Equatable {
    public var conversations: Int
    /// Tokens fed to the model by each of the two runs.
    public var fedTokens: Int
    /// Assistant tokens scored by the conversation run.
    public var scoredTokens: Int
    public var conversationSeconds: Double
    public var plainSeconds: Double

    public var conversationTokensPerSecond: Double { Double(fedTokens) / conversationSeconds }
    public var plainTokensPerSecond: Double { Double(fedTokens) / plainSeconds }
    /// Conversation tokens/s over plain tokens/s (1 means the assistant masks cost nothing).
    public var speedRatio: Double { conversationTokensPerSecond / plainTokensPerSecond }
}
