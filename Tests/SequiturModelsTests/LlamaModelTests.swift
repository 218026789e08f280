import SequiturCore
import SequiturCPU
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// LlamaModel on tiny random models against the float64 reference forward pass.
@Suite struct LlamaModelTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func logProbsMatchReference(seed: UInt64) throws {
        let file = try TinyLlama.file(seed: seed)
        let reference = try LlamaReferenceForward(file: file)
        let model = try TinyLlama.model(file)
        for length in [1, 9, 37] {
            let tokens = TinyLlama.tokens(length, seed: seed * 100 + UInt64(length))
            let state = model.makeState()
            let result = try model.extend([ExtensionRequest(state: state, tokens: tokens, queries: fullQueries(length))])
            let diff = maxDifference(result[0].answers, reference: reference.logProbs(tokens), offset: 0)
            #expect(diff <= 1e-4, "seed \(seed), \(length) tokens: max |Δ log-prob| \(diff)")
            #expect(state.tokens == tokens)
        }
    }

    /// Prefills, one-token decode steps and forks in one batch, each checked against the reference run on its
    /// whole sequence.
    @Test func mixedBatchWithForksMatchesReference() throws {
        let file = try TinyLlama.file(seed: 11)
        let reference = try LlamaReferenceForward(file: file)
        let model = try TinyLlama.model(file, kvBlockSize: 8)
        let prefix = TinyLlama.tokens(21, seed: 1)
        let a = model.makeState()
        _ = try model.extend([ExtensionRequest(state: a, tokens: prefix, lastQuery: nil)])
        let b = a.fork(), c = a.fork()
        let fresh = model.makeState()

        let plan: [(SequenceState, [TokenID])] = [
            (a, TinyLlama.tokens(1, seed: 2)),      // decode step
            (b, TinyLlama.tokens(5, seed: 3)),      // fork, writes into the shared partial block
            (fresh, TinyLlama.tokens(30, seed: 4)), // prefill
            (c, TinyLlama.tokens(1, seed: 5)),      // another fork's decode step
        ]
        let before = plan.map { $0.0.tokens }
        let results = try model.extend(plan.map { ExtensionRequest(state: $0.0, tokens: $0.1, queries: fullQueries($0.1.count)) })
        for (i, (state, tokens)) in plan.enumerated() {
            let whole = before[i] + tokens
            #expect(state.tokens == whole)
            let diff = maxDifference(results[i].answers, reference: reference.logProbs(whole), offset: before[i].count)
            #expect(diff <= 1e-4, "request \(i): max |Δ log-prob| \(diff)")
        }
    }

    /// A request's answers are bitwise the same alone and inside a batch of 16 mixed-length requests.
    @Test func answersDoNotDependOnTheBatch() throws {
        let file = try TinyLlama.file(seed: 5)
        let model = try TinyLlama.model(file)
        let lengths = [1, 17, 3, 1, 40, 8, 1, 25, 2, 1, 13, 6, 1, 31, 4, 1]
        let prefixes = lengths.indices.map { TinyLlama.tokens($0 % 3 == 0 ? 12 : 0, seed: UInt64(100 + $0)) }
        let inputs = lengths.indices.map { TinyLlama.tokens(lengths[$0], seed: UInt64(200 + $0)) }

        func prepared(_ i: Int) throws -> SequenceState {
            let s = model.makeState()
            if !prefixes[i].isEmpty { _ = try model.extend([ExtensionRequest(state: s, tokens: prefixes[i])]) }
            return s
        }
        func request(_ i: Int, _ state: SequenceState) -> ExtensionRequest {
            let queries: [PositionQuery?] = inputs[i].indices.map { j in
                j % 2 == 0 ? PositionQuery(targets: [inputs[i][j], 7], topK: 3, fullRow: true) : nil
            }
            return ExtensionRequest(state: state, tokens: inputs[i], queries: queries)
        }
        let batched = try model.extend(try lengths.indices.map { request($0, try prepared($0)) })
        for i in lengths.indices {
            let alone = try model.extend([request(i, try prepared(i))])[0]
            #expect(alone.answers == batched[i].answers, "request \(i) differs alone and in the batch")
        }
    }

    /// Splitting work into several forward passes and head groups does not change a single bit.
    @Test func chunkedPassesGiveIdenticalResults() throws {
        let file = try TinyLlama.file(seed: 8)
        let whole = try TinyLlama.model(file)
        let chunked = try TinyLlama.model(file, kvBlockSize: 4, maxTokensPerForward: 7, maxHeadRows: 3)
        let tokens = [TinyLlama.tokens(30, seed: 1), TinyLlama.tokens(9, seed: 2)]
        func run(_ m: LlamaModel) throws -> [ExtensionResult] {
            try m.extend(tokens.map { ExtensionRequest(state: m.makeState(), tokens: $0, queries: fullQueries($0.count)) })
        }
        let a = try run(whole), b = try run(chunked)
        for i in tokens.indices { #expect(a[i].answers == b[i].answers) }
        #expect(chunked.processedTokenCount == 39)
    }

    @Test func countsProcessedTokens() throws {
        let model = try TinyLlama.model(try TinyLlama.file(seed: 2))
        let s = model.makeState()
        _ = try model.extend([ExtensionRequest(state: s, tokens: TinyLlama.tokens(10, seed: 1))])
        #expect(model.processedTokenCount == 10)
        let f = s.fork()
        _ = try model.extend([ExtensionRequest(state: f, tokens: [5]), ExtensionRequest(state: s, tokens: [6, 7])])
        #expect(model.processedTokenCount == 13, "a fork does not recompute its prefix")
        #expect(f.tokens.count == 11 && s.tokens.count == 12)
    }

    @Test func emptyRequestsAreAnsweredWithoutWork() throws {
        let model = try TinyLlama.model(try TinyLlama.file(seed: 2))
        let results = try model.extend([ExtensionRequest(state: model.makeState(), tokens: [])])
        #expect(results.count == 1 && results[0].answers.isEmpty)
        #expect(try model.extend([]).isEmpty)
        #expect(model.processedTokenCount == 0)
    }
}
