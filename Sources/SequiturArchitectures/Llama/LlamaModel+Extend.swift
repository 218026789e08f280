import SequiturCore

extension LlamaModel {
    /// Appends each request's tokens to its state and answers its queries, in as few forward passes as
    /// `maxTokensPerForward` allows. Every input is checked before any state changes.
    public func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        let states = try validate(requests)
        for (request, state) in zip(requests, states) {
            try state.blockTable.prepareToWrite(from: state.count, to: state.count + request.tokens.count)
        }

        var work: [PendingToken] = []
        work.reserveCapacity(requests.reduce(0) { $0 + $1.tokens.count })
        for (r, request) in requests.enumerated() {
            for (j, token) in request.tokens.enumerated() {
                work.append(PendingToken(request: r, index: j, token: token, position: states[r].count + j,
                                         query: request.queries[j]))
            }
        }

        var answers = requests.map { [PositionLogProbs?](repeating: nil, count: $0.tokens.count) }
        var start = 0
        while start < work.count {
            let end = min(start + maxTokensPerForward, work.count)
            let chunk = work[start..<end]
            let chunkAnswers = try forward(chunk, states: states)
            for (item, answer) in zip(chunk, chunkAnswers) where answer != nil {
                answers[item.request][item.index] = answer
            }
            processedTokenCount += chunk.count
            start = end
        }
        for (request, state) in zip(requests, states) { state.append(request.tokens) }
        return answers.map(ExtensionResult.init(answers:))
    }

    /// The requests' states, after checking that they are this model's, distinct, and that every token and
    /// resulting length is in range.
    private func validate(_ requests: [ExtensionRequest]) throws -> [LlamaSequenceState] {
        var seen = Set<ObjectIdentifier>()
        return try requests.enumerated().map { i, request in
            guard let state = request.state as? LlamaSequenceState, state.pool === kvPool else {
                throw LanguageModelError.foreignState
            }
            guard seen.insert(ObjectIdentifier(state)).inserted else {
                throw LanguageModelError.duplicateState(index: i)
            }
            let size = hyperparameters.vocabularySize
            if let bad = request.tokens.first(where: { $0 < 0 || Int($0) >= size }) {
                throw LanguageModelError.tokenOutOfRange(token: bad, vocabularySize: size)
            }
            let length = state.count + request.tokens.count
            guard length <= contextLength else {
                throw LanguageModelError.contextOverflow(length: length, contextLength: contextLength)
            }
            return state
        }
    }
}

/// One new token of a batch: which request and position it belongs to and what is asked after it.
struct PendingToken {
    let request: Int
    let index: Int
    let token: TokenID
    let position: Int
    let query: PositionQuery?
}
