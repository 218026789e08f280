import Sequitur

/// A logit processor written outside the package: forbids taking the same token twice in a row. It keeps the
/// last token as state (set from the prompt by `start`, updated by `accept`) instead of reading the history,
/// so it is right only if every decoder gives each branch its own fork, which is what this example checks.
struct NoImmediateRepeatProcessor: LogitProcessor {
    private var last: TokenID?

    mutating func start(_ context: ProcessorStart) { last = context.prompt.last }

    mutating func accept(_ token: TokenID) { last = token }

    func process(_ logProbs: inout [Float], history: [TokenID]) {
        if let last { logProbs[Int(last)] = -.infinity }
    }
}
