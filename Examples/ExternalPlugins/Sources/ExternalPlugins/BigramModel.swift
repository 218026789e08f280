import Sequitur

/// A toy architecture: the next token depends only on the last one, through a `V × V` table of logits stored
/// in the GGUF file as `bigram.logits` (row `t`: the logits after token `t`). It is written over `Backend`
/// like the built-in llama: one row gather and one log-softmax per batch, whichever backend runs it.
final class BigramModel: LanguageModel {
    /// What `ArchitectureRegistry` builds for files whose `general.architecture` is "bigram".
    static let plugin = ArchitecturePlugin(
        name: "bigram", summary: "the next token depends only on the last: a V × V table of logits"
    ) { file, backend, vocabulary in
        try BigramModel(file: file, backend: backend, vocabulary: vocabulary)
    }

    static let tableName = "bigram.logits"
    static let contextLengthKey = "bigram.context_length"

    let vocabulary: any Vocabulary
    let contextLength: Int
    private let backend: any Backend
    private let table: DeviceTensor
    private(set) var processedTokenCount = 0

    init(file: GGUFFile, backend: any Backend, vocabulary: any Vocabulary) throws {
        let weight = try file.weight(named: Self.tableName)
        guard weight.rows == vocabulary.count, weight.columns == vocabulary.count else {
            throw BigramError.tableShape(rows: weight.rows, columns: weight.columns, vocabularySize: vocabulary.count)
        }
        self.vocabulary = vocabulary
        self.backend = backend
        contextLength = try file.int(Self.contextLengthKey)
        table = try backend.upload(weight)
    }

    func makeState() -> SequenceState { BigramState(owner: ObjectIdentifier(self), tokens: []) }

    func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        var states: [BigramState] = []
        for (index, request) in requests.enumerated() {
            guard let state = request.state as? BigramState, state.owner == ObjectIdentifier(self) else {
                throw LanguageModelError.foreignState
            }
            guard !states.contains(where: { $0 === state }) else { throw LanguageModelError.duplicateState(index: index) }
            for t in request.tokens where t < 0 || Int(t) >= vocabulary.count {
                throw LanguageModelError.tokenOutOfRange(token: t, vocabularySize: vocabulary.count)
            }
            guard state.tokens.count + request.tokens.count <= contextLength else {
                throw LanguageModelError.contextOverflow(length: state.tokens.count + request.tokens.count, contextLength: contextLength)
            }
            states.append(state)
        }
        // Every queried position of the batch: its token picks the row of logits that follows it.
        var rows: [TokenID] = [], queries: [PositionQuery] = [], places: [(request: Int, position: Int)] = []
        for (r, request) in requests.enumerated() {
            for (i, query) in request.queries.enumerated() {
                guard let query else { continue }
                rows.append(request.tokens[i])
                queries.append(query)
                places.append((r, i))
            }
        }
        var answers = requests.map { [PositionLogProbs?](repeating: nil, count: $0.tokens.count) }
        if !rows.isEmpty {
            let logits = try backend.makeActivations(rows: rows.count, columns: vocabulary.count)
            try backend.embed(tokens: rows, table: table, into: logits)
            for (k, answer) in try backend.logSoftmax(logits, queries: queries).enumerated() {
                answers[places[k].request][places[k].position] = answer
            }
        }
        for (state, request) in zip(states, requests) { state.tokens += request.tokens }
        processedTokenCount += requests.reduce(0) { $0 + $1.tokens.count }
        return answers.map(ExtensionResult.init)
    }
}

/// A bigram sequence needs no cache: its tokens are its whole state.
final class BigramState: SequenceState {
    let owner: ObjectIdentifier
    var tokens: [TokenID]

    init(owner: ObjectIdentifier, tokens: [TokenID]) {
        self.owner = owner
        self.tokens = tokens
    }

    func fork() -> SequenceState { BigramState(owner: owner, tokens: tokens) }
}

/// A bigram file that cannot be run, with what was found.
enum BigramError: Error, CustomStringConvertible {
    case tableShape(rows: Int, columns: Int, vocabularySize: Int)

    var description: String {
        switch self {
        case let .tableShape(rows, columns, size):
            return "tensor '\(BigramModel.tableName)' is \(rows) × \(columns), expected \(size) × \(size) for the vocabulary"
        }
    }
}
