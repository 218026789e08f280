import Sequitur

/// Wraps a language model to record how decoders use it: every `extend` call, and for each request which state
/// it extended, how many tokens that state held before, and which state it was forked from. It can also replace
/// the vocabulary's end tokens, so that a decoder stops on exactly the tokens a reference run stopped on.
final class CountingLanguageModel: LanguageModel {
    /// One request of one `extend` call, as the wrapper saw it.
    struct Extension {
        let state: Int
        /// The state this one was forked from (nil for a state made by `makeState`).
        let forkedFrom: Int?
        let tokensBefore: Int
        let appended: [TokenID]
    }

    let base: any LanguageModel
    let vocabulary: any Vocabulary
    private(set) var calls: [[Extension]] = []
    private var nextStateID = 0

    init(_ base: any LanguageModel, endTokens: Set<TokenID>? = nil) {
        self.base = base
        self.vocabulary = endTokens.map { EndTokenVocabulary(base.vocabulary, endTokens: $0) } ?? base.vocabulary
    }

    var contextLength: Int { base.contextLength }
    var processedTokenCount: Int { base.processedTokenCount }

    func makeState() -> SequenceState { CountedState(base.makeState(), owner: self, parent: nil) }

    func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        var unwrapped = requests
        var log: [Extension] = []
        for i in requests.indices {
            guard let state = requests[i].state as? CountedState else {
                throw LanguageModelError.foreignState
            }
            unwrapped[i].state = state.base
            log.append(Extension(state: state.id, forkedFrom: state.parent, tokensBefore: state.base.count,
                                 appended: requests[i].tokens))
        }
        calls.append(log)
        return try base.extend(unwrapped)
    }

    fileprivate func newStateID() -> Int {
        defer { nextStateID += 1 }
        return nextStateID
    }
}

/// A state of the wrapped model that knows its own id and the id of the state it was forked from.
private final class CountedState: SequenceState {
    let base: SequenceState
    let id: Int
    let parent: Int?
    private unowned let owner: CountingLanguageModel

    init(_ base: SequenceState, owner: CountingLanguageModel, parent: Int?) {
        self.base = base
        self.owner = owner
        self.parent = parent
        self.id = owner.newStateID()
    }

    var tokens: [TokenID] { base.tokens }
    func fork() -> SequenceState { CountedState(base.fork(), owner: owner, parent: id) }
}

/// Another vocabulary with different end tokens.
private final class EndTokenVocabulary: Vocabulary {
    let base: any Vocabulary
    let endTokens: Set<TokenID>

    init(_ base: any Vocabulary, endTokens: Set<TokenID>) {
        self.base = base
        self.endTokens = endTokens
    }

    var count: Int { base.count }
    var beginToken: TokenID? { base.beginToken }
    func bytes(of token: TokenID) -> [UInt8] { base.bytes(of: token) }
}
