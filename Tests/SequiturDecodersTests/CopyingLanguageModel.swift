import SequiturCore
import SequiturTesting

/// A toy model that likes to copy, as induction heads make real models copy their context: its row after a
/// prefix is a `RandomLanguageModel`'s, with `copyBoost` added to the logit of the token that followed the
/// most recent earlier occurrence of the prefix's last token. Its greedy output repeats the prompt's patterns
/// often but not always, so speculative tests see both kept and rejected drafts.
///
/// Its states can fork a prefix (`PrefixForkableState`) unless `prefixForks` is false, so tests cover both of
/// the speculative decoder's ways of rolling back; it counts `extend` calls and processed tokens.
final class CopyingLanguageModel: LanguageModel {
    let base: RandomLanguageModel
    let copyBoost: Float
    let prefixForks: Bool
    private(set) var processedTokenCount = 0
    private(set) var extendCalls = 0

    var vocabulary: any Vocabulary { base.vocabulary }
    var contextLength: Int { base.contextLength }

    init(seed: UInt64, vocabularySize: Int = 8, copyBoost: Float = 4, prefixForks: Bool = true, contextLength: Int = 256) {
        base = RandomLanguageModel(seed: seed, vocabularySize: vocabularySize, contextLength: contextLength)
        self.copyBoost = copyBoost
        self.prefixForks = prefixForks
    }

    func makeState() -> SequenceState { prefixForks ? ForkableToyState(tokens: []) : PlainToyState(tokens: []) }

    /// The normalised row after `prefix`.
    func logProbs(after prefix: [TokenID]) -> [Float] {
        var row = base.logProbs(after: prefix)
        if let last = prefix.last, let earlier = prefix.dropLast().lastIndex(of: last) {
            row[Int(prefix[earlier + 1])] += copyBoost
        }
        return LogProbMath.logSoftmax(row)
    }

    func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        extendCalls += 1
        return try requests.map { request in
            guard let state = request.state as? ToyState else { throw LanguageModelError.foreignState }
            guard state.tokens.count + request.tokens.count <= contextLength else {
                throw LanguageModelError.contextOverflow(length: state.tokens.count + request.tokens.count,
                                                         contextLength: contextLength)
            }
            var answers: [PositionLogProbs?] = []
            for (token, query) in zip(request.tokens, request.queries) {
                guard token >= 0, Int(token) < vocabulary.count else {
                    throw LanguageModelError.tokenOutOfRange(token: token, vocabularySize: vocabulary.count)
                }
                state.tokens.append(token)
                processedTokenCount += 1
                answers.append(query.map { Self.answer($0, row: logProbs(after: state.tokens)) })
            }
            return ExtensionResult(answers: answers)
        }
    }

    private static func answer(_ query: PositionQuery, row: [Float]) -> PositionLogProbs {
        let ranked = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
        return PositionLogProbs(argmax: TokenID(ranked[0]), argmaxLogProb: row[ranked[0]],
                                targetLogProbs: query.targets.map { row[Int($0)] },
                                topK: ranked.prefix(query.topK).map { TokenLogProb(token: TokenID($0), logProb: row[$0]) },
                                fullRow: query.fullRow ? row : [])
    }
}

/// The toy states: only their tokens (rows are recomputed from them).
class ToyState: SequenceState {
    var tokens: [TokenID]
    init(tokens: [TokenID]) { self.tokens = tokens }
    func fork() -> SequenceState { PlainToyState(tokens: tokens) }
}

final class PlainToyState: ToyState {}

final class ForkableToyState: ToyState, PrefixForkableState {
    override func fork() -> SequenceState { ForkableToyState(tokens: tokens) }
    func fork(keepingFirst count: Int) -> SequenceState { ForkableToyState(tokens: Array(tokens[..<count])) }
}
