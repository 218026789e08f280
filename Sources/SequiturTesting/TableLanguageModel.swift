import SequiturCore

/// A vocabulary of named tokens for toy models: token `i` prints as `pieces[i]`, except end tokens, which are
/// control tokens and print nothing (as in a real tokenizer).
public final class ToyVocabulary: Vocabulary {
    /// The text of each token, indexed by id.
    public let pieces: [String]
    public let endTokens: Set<TokenID>
    public let beginToken: TokenID?

    public init(pieces: [String], endTokens: Set<TokenID> = [], beginToken: TokenID? = nil) {
        self.pieces = pieces
        self.endTokens = endTokens
        self.beginToken = beginToken
    }

    public var count: Int { pieces.count }

    /// The id of the token whose piece is `piece`, if any.
    public func id(of piece: String) -> TokenID? {
        pieces.firstIndex(of: piece).map { TokenID($0) }
    }

    public func bytes(of token: TokenID) -> [UInt8] {
        guard token >= 0, Int(token) < pieces.count, !endTokens.contains(token) else { return [] }
        return Array(pieces[Int(token)].utf8)
    }
}

/// One request of one `extend` call as a toy model saw it, for tests that check what a decoder asked for.
public struct ToyExtensionRecord: Sendable, Equatable {
    /// The state's tokens before the call.
    public var prefix: [TokenID]
    /// The tokens appended.
    public var appended: [TokenID]
    /// The queries made at the appended positions.
    public var queries: [PositionQuery?]

    public init(prefix: [TokenID], appended: [TokenID], queries: [PositionQuery?]) {
        self.prefix = prefix
        self.appended = appended
        self.queries = queries
    }
}

/// A language model whose next-token distribution is read from a table keyed by the whole token prefix.
///
/// Each row lists log-probs for some tokens. When the listed probabilities sum to less than one, the rest of the
/// mass is spread evenly over the unlisted tokens, so the listed values come back exactly; otherwise the row is
/// renormalised (log-softmax over the listed values; unlisted tokens get `-inf`). Prefixes with no row use
/// `defaultRow` (uniform when empty). The seeds' worked example is one such table:
///
/// ```swift
/// let m = TableLanguageModel.seedExample()        // "The cat sat on the" → warm −0.9 / plush −1.2 …
/// let r = try m.extend([ExtensionRequest(state: m.makeState(), tokens: m.seedPrompt)])[0]
/// r.last!.argmax                                  // " warm"
/// ```
public final class TableLanguageModel: LanguageModel {
    public let toyVocabulary: ToyVocabulary
    public var vocabulary: any Vocabulary { toyVocabulary }
    public let contextLength: Int
    public var processedTokenCount: Int { engine.processedTokenCount }
    /// Every request each `extend` call received, in order (one inner array per call).
    public var extensionLog: [[ToyExtensionRecord]] { engine.log }

    private let rows: [[TokenID]: [Float]]
    private let defaultDistribution: [Float]
    private var engine: PrefixFunctionEngine!

    /// - Parameters:
    ///   - table: for a prefix (the whole token list so far), the log-probs of the tokens listed.
    ///   - defaultRow: the log-probs for prefixes not in `table` (empty: uniform).
    public init(vocabulary: ToyVocabulary, table: [[TokenID]: [TokenID: Double]],
                defaultRow: [TokenID: Double] = [:], contextLength: Int = 64) {
        self.toyVocabulary = vocabulary
        self.contextLength = contextLength
        let n = vocabulary.count
        self.rows = table.mapValues { Self.normalisedRow($0, vocabularySize: n) }
        self.defaultDistribution = Self.normalisedRow(defaultRow, vocabularySize: n)
        self.engine = PrefixFunctionEngine(owner: self)
    }

    public func makeState() -> SequenceState { engine.makeState() }

    public func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        try engine.extend(requests, vocabularySize: toyVocabulary.count, contextLength: contextLength) {
            logProbs(after: $0)
        }
    }

    /// The log-prob row for `prefix`, as `extend` reports it.
    public func logProbs(after prefix: [TokenID]) -> [Float] { rows[prefix] ?? defaultDistribution }

    static func normalisedRow(_ listed: [TokenID: Double], vocabularySize n: Int) -> [Float] {
        guard !listed.isEmpty else { return [Float](repeating: -Float(log(Double(n))), count: n) }
        precondition(listed.keys.allSatisfy { $0 >= 0 && Int($0) < n }, "table lists a token outside the vocabulary")
        let listedMass = listed.values.reduce(0.0) { $0 + exp($1) }
        let unlisted = n - listed.count
        if listedMass < 1 - 1e-9 && unlisted > 0 {
            let each = Float(log((1 - listedMass) / Double(unlisted)))
            var row = [Float](repeating: each, count: n)
            for (t, lp) in listed { row[Int(t)] = Float(lp) }
            return row
        }
        let lse = log(listedMass)
        var row = [Float](repeating: -.infinity, count: n)
        for (t, lp) in listed { row[Int(t)] = Float(lp - lse) }
        return row
    }
}

extension TableLanguageModel {
    /// The seeds' worked example (shared/seeds/002): after "The cat sat on the", path A "warm mat" scores
    /// −0.9 + −1.5 = −2.4 and path B "plush rug" −1.2 + −1.1 = −2.3. Greedy takes "warm" and ends on A; the
    /// best two-token continuation is B. After either path `<eos>` has probability one.
    public static func seedExample() -> TableLanguageModel {
        let pieces = ["<eos>", "The", " cat", " sat", " on", " the", " warm", " mat", " plush", " rug", " floor", "."]
        let v = ToyVocabulary(pieces: pieces, endTokens: [0])
        func ids(_ words: String...) -> [TokenID] { words.map { v.id(of: $0)! } }
        let prompt = ids("The", " cat", " sat", " on", " the")
        let table: [[TokenID]: [TokenID: Double]] = [
            prompt: [v.id(of: " warm")!: -0.9, v.id(of: " plush")!: -1.2],
            prompt + ids(" warm"): [v.id(of: " mat")!: -1.5],
            prompt + ids(" plush"): [v.id(of: " rug")!: -1.1],
            prompt + ids(" warm", " mat"): [0: 0],
            prompt + ids(" plush", " rug"): [0: 0],
        ]
        return TableLanguageModel(vocabulary: v, table: table)
    }

    /// "The cat sat on the" in `seedExample()`'s vocabulary.
    public var seedPrompt: [TokenID] {
        ["The", " cat", " sat", " on", " the"].map { toyVocabulary.id(of: $0)! }
    }
}

/// The state of a toy model: just its tokens (there is no cache to share), tagged with the model that made it.
final class PrefixFunctionState: SequenceState {
    var tokens: [TokenID]
    let owner: ObjectIdentifier

    init(tokens: [TokenID], owner: ObjectIdentifier) {
        self.tokens = tokens
        self.owner = owner
    }

    func fork() -> SequenceState { PrefixFunctionState(tokens: tokens, owner: owner) }
}

/// What the toy models share: input validation like a real model's, answering `PositionQuery`s from a row
/// computed as a function of the prefix, and the record of what was asked.
struct PrefixFunctionEngine {
    let owner: ObjectIdentifier
    private(set) var log: [[ToyExtensionRecord]] = []
    private(set) var processedTokenCount = 0

    init(owner: AnyObject) { self.owner = ObjectIdentifier(owner) }

    func makeState() -> SequenceState { PrefixFunctionState(tokens: [], owner: owner) }

    /// Validates every request before changing any state, then appends and answers.
    mutating func extend(_ requests: [ExtensionRequest], vocabularySize: Int, contextLength: Int,
                         row: ([TokenID]) -> [Float]) throws -> [ExtensionResult] {
        var seen = Set<ObjectIdentifier>()
        var states: [PrefixFunctionState] = []
        for (i, r) in requests.enumerated() {
            guard let s = r.state as? PrefixFunctionState, s.owner == owner else { throw LanguageModelError.foreignState }
            guard seen.insert(ObjectIdentifier(s)).inserted else { throw LanguageModelError.duplicateState(index: i) }
            for t in r.tokens + r.queries.flatMap({ $0?.targets ?? [] }) where t < 0 || Int(t) >= vocabularySize {
                throw LanguageModelError.tokenOutOfRange(token: t, vocabularySize: vocabularySize)
            }
            let length = s.tokens.count + r.tokens.count
            guard length <= contextLength else {
                throw LanguageModelError.contextOverflow(length: length, contextLength: contextLength)
            }
            states.append(s)
        }
        log.append(zip(requests, states).map {
            ToyExtensionRecord(prefix: $1.tokens, appended: $0.tokens, queries: $0.queries)
        })
        processedTokenCount += requests.reduce(0) { $0 + $1.tokens.count }
        var results: [ExtensionResult] = []
        for (r, s) in zip(requests, states) {
            var answers: [PositionLogProbs?] = []
            for (t, q) in zip(r.tokens, r.queries) {
                s.tokens.append(t)
                answers.append(q.map { Self.answer($0, row: row(s.tokens)) })
            }
            results.append(ExtensionResult(answers: answers))
        }
        return results
    }

    /// Answers `query` from a whole normalised row, as a backend's fused log-softmax would.
    static func answer(_ query: PositionQuery, row: [Float]) -> PositionLogProbs {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        let order = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
        return PositionLogProbs(
            argmax: TokenID(best), argmaxLogProb: row[best],
            targetLogProbs: query.targets.map { row[Int($0)] },
            topK: order.prefix(query.topK).map { TokenLogProb(token: TokenID($0), logProb: row[$0]) },
            fullRow: query.fullRow ? row : [])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
