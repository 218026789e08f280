/// Score `y` given `x`: `log Pr(y | x)`, where `x` is `context` and `y` is `continuation`, both token ids.
///
/// Text requests are turned into ids by `TextScoringSplitter` (SequiturScoring), which splits at the boundary as
/// lm-evaluation-harness does.
public struct ScoringRequest: Sendable, Hashable {
    public var id: String
    public var context: [TokenID]
    public var continuation: [TokenID]

    public init(id: String, context: [TokenID], continuation: [TokenID]) {
        self.id = id
        self.context = context
        self.continuation = continuation
    }
}
