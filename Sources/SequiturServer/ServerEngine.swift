import Foundation
import Sequitur

/// What the server does with a model, independent of HTTP: completions (decode, then the log-probs asked
/// for), scoring and tokenisation. Every method is synchronous and runs on a `RequestWorkers` thread; all model
/// work goes through one `BatchingLanguageModel`, so concurrent requests share forward passes.
public final class ServerEngine: @unchecked Sendable {
    public let runtime: ModelRuntime
    public let model: BatchingLanguageModel
    public let servedModelName: String
    public let decoders: DecoderRegistry
    public let processors: ProcessorRegistry
    let prefixCache: PromptPrefixCache

    public var tokenizer: BPETokenizer { runtime.tokenizer }
    public var contextLength: Int { model.contextLength }

    public init(runtime: ModelRuntime, servedModelName: String, decoders: DecoderRegistry = .standard,
                processors: ProcessorRegistry = .standard, maxBatchTokens: Int = 2048, prefixCacheEntries: Int = 64,
                idleRelease: TimeInterval = 5) {
        self.runtime = runtime
        self.servedModelName = servedModelName
        self.decoders = decoders
        self.processors = processors
        prefixCache = PromptPrefixCache(capacity: prefixCacheEntries)
        let model = BatchingLanguageModel(base: runtime.model, maxBatchTokens: maxBatchTokens)
        self.model = model
        self.idleRelease = idleRelease
        model.onIdle { [weak self] in self?.scheduleIdleRelease() }
    }

    /// How long the server stays idle before it drops its cached prompt prefixes and gives the KV cache's grown
    /// storage back. Requests that follow each other closely (a chat's turns, a few-shot preamble sent again)
    /// keep reusing the prefixes; a server left alone holds no KV blocks.
    public let idleRelease: TimeInterval

    private func scheduleIdleRelease() {
        let epoch = model.activityCount
        DispatchQueue.global().asyncAfter(deadline: .now() + idleRelease) { [weak self] in
            guard let self, self.model.activityCount == epoch, self.model.load.participants == 0 else { return }
            self.releaseIdleMemory()
        }
    }

    /// Drops the cached prefixes, then gives the grown cache back (only if no state holds a block by then) with
    /// the model's per-pass buffers, and asks the allocator to return freed heap pages: glibc keeps the forward passes' buffers (sized by
    /// how many requests shared a pass) in its heap after they are freed, so without the trim an idle server's
    /// resident size would reflect its busiest pass.
    func releaseIdleMemory() {
        prefixCache.removeAll()
        model.exclusively {
            _ = try? (runtime.model as? KVCacheManaging)?.releaseIdleMemory()
            Self.trimHeap()
        }
    }

    /// Stops the batching thread (after the last request).
    public func shutdown() { model.shutdown() }

    /// KV cache use, when the model reports it.
    public var kvCacheUsage: KVCacheUsage? { (runtime.model as? KVCacheManaging)?.kvCacheUsage }

    // MARK: Completions

    /// One completion request's work, after its fields are read.
    public struct CompletionJob: Sendable {
        public var prompt: [TokenID]
        public var maxTokens: Int
        public var echo: Bool
        /// Top log-probs per position; nil when no log-probs are wanted.
        public var logprobs: Int?
        public var n: Int
        public var decoder: DecoderConfiguration
        public var processors: [ProcessorConfiguration]
        public var stop: [String]

        public init(prompt: [TokenID], maxTokens: Int, echo: Bool = false, logprobs: Int? = nil, n: Int = 1,
                    decoder: DecoderConfiguration = DecoderConfiguration(name: "greedy"),
                    processors: [ProcessorConfiguration] = [], stop: [String] = []) {
            self.prompt = prompt
            self.maxTokens = maxTokens
            self.echo = echo
            self.logprobs = logprobs
            self.n = n
            self.decoder = decoder
            self.processors = processors
            self.stop = stop
        }
    }

    /// A token with its log-prob given what precedes it (nil for the first token of a sequence) and the most
    /// likely tokens at its position.
    public struct PositionReport: Sendable, Equatable {
        public var token: TokenID
        public var logProb: Float?
        public var top: [TokenLogProb]
    }

    public struct CompletionChoice: Sendable, Equatable {
        public var generated: [TokenID]
        public var finishReason: FinishReason
        /// With `logprobs`: the echoed prompt's positions (when `echo`) then the generated ones.
        public var positions: [PositionReport]?
        public var certificate: SearchCertificate?
    }

    /// Checks a prompt against the vocabulary and the context; errors name `field`.
    public func checkPrompt(_ prompt: [TokenID], maxTokens: Int, field: String) throws {
        guard !prompt.isEmpty else { throw APIError.invalid("'\(field)' is empty: give at least one token", param: field) }
        let size = model.vocabulary.count
        if let (i, bad) = prompt.enumerated().first(where: { $0.element < 0 || Int($0.element) >= size }) {
            throw APIError.invalid("'\(field)' token \(i) is id \(bad), outside the vocabulary (ids 0..<\(size))",
                                   param: field, code: "token_out_of_vocabulary")
        }
        guard prompt.count + maxTokens <= contextLength else {
            throw APIError.invalid("'\(field)' has \(prompt.count) tokens and max_tokens is \(maxTokens): \(prompt.count + maxTokens) is more than the model's context of \(contextLength) tokens",
                                   param: field, code: "context_length_exceeded")
        }
    }

    /// Decodes `job.n` choices (or scores only, with `maxTokens` 0) and reports the log-probs asked for.
    /// `onToken(choice, token)` sees each generated token as it is chosen (streaming); returning false stops.
    public func complete(_ job: CompletionJob, cancelled: RequestWorkers.CancellationFlag = .init(),
                         onToken: ((Int, TokenID) -> Bool)? = nil) throws -> [CompletionChoice] {
        try checkPrompt(job.prompt, maxTokens: job.maxTokens, field: "prompt")
        model.beginParticipant()
        defer { model.endParticipant() }
        let p = job.prompt.count
        let wantsLogProbs = job.logprobs != nil
        let topK = job.logprobs ?? 0

        // The state holding every prompt token but the last: decoders feed the last one themselves, for the
        // distribution of the first new token, and an echo's log-probs come from the same pass.
        var echoed: [PositionReport] = []
        let promptState: SequenceState
        let head = Array(job.prompt[..<(p - 1)])
        if job.echo && wantsLogProbs {
            promptState = model.makeState()
            echoed.append(PositionReport(token: job.prompt[0], logProb: nil, top: []))
            if !head.isEmpty {
                let queries: [PositionQuery?] = head.indices.map { PositionQuery(targets: [job.prompt[$0 + 1]], topK: topK) }
                let answers = try model.extend([ExtensionRequest(state: promptState, tokens: head, queries: queries)])[0].answers
                for (j, answer) in answers.enumerated() {
                    echoed.append(PositionReport(token: job.prompt[j + 1], logProb: answer!.targetLogProbs[0], top: answer!.topK))
                }
            }
        } else {
            let state = prefixCache.longestPrefix(of: head) ?? model.makeState()
            let rest = Array(head[state.count...])
            if !rest.isEmpty { _ = try model.extend([ExtensionRequest(state: state, tokens: rest, lastQuery: nil)]) }
            promptState = state
            if job.echo { echoed = job.prompt.map { PositionReport(token: $0, logProb: nil, top: []) } }
        }
        prefixCache.insert(promptState)

        if job.maxTokens == 0 {
            let positions: [PositionReport]? = wantsLogProbs ? (job.echo ? echoed : []) : nil
            return Array(repeating: CompletionChoice(generated: [], finishReason: .length,
                                                     positions: positions, certificate: nil), count: job.n)
        }

        var choices: [CompletionChoice] = []
        let samples = job.decoder.name == SamplingDecoder.registryName
        let runs = samples ? job.n : 1
        for run in 0..<runs {
            var configuration = job.decoder
            if samples, run > 0 {
                // Each sample draws from its own seed, so n choices differ and each is reproducible alone.
                let seed = (try? DecoderRegistry.complete(configuration, against: SamplingDecoder.parameters).integer("seed")) ?? 0
                configuration.parameters["seed"] = .int(seed &+ run)
            }
            let decoder = try makeDecoder(configuration)
            let processors = try makeProcessors(job.processors)
            let choiceIndex = choices.count
            let request = DecodingRequest(
                prompt: job.prompt,
                stop: StopConditions(maxNewTokens: job.maxTokens, stopStrings: job.stop),
                processors: processors,
                onToken: onToken.map { callback in { token, _ in callback(choiceIndex, token) } },
                shouldStop: { cancelled.isCancelled },
                prefixState: promptState)
            let result = try decoder.decode(request, model: model)
            let wanted = samples ? 1 : job.n
            var hypotheses = Array(result.hypotheses.prefix(wanted))
            if hypotheses.count < wanted, !returnsNBest(job.decoder.name), let best = hypotheses.first {
                // A decoder with one answer (greedy, say) gives the same answer every time: n copies, as OpenAI's
                // API gives n identical choices at temperature 0.
                hypotheses = Array(repeating: best, count: wanted)
            }
            guard hypotheses.count == wanted else {
                throw APIError.invalid("n is \(job.n) but decoder '\(job.decoder.name)' found only \(result.hypotheses.count) outputs", param: "n")
            }
            for hypothesis in hypotheses {
                choices.append(CompletionChoice(generated: hypothesis.tokens, finishReason: hypothesis.finishReason, positions: nil,
                                                certificate: result.certificate))
            }
        }
        guard wantsLogProbs else { return choices }

        // The generated tokens' log-probs and alternatives, in one batched call over every choice: the numbers
        // are the model's own, bitwise those a solo scoring run gives.
        var requests: [ExtensionRequest] = []
        for choice in choices {
            let tokens = [job.prompt[p - 1]] + choice.generated.dropLast()
            let queries: [PositionQuery?] = choice.generated.map { PositionQuery(targets: [$0], topK: topK) }
            requests.append(ExtensionRequest(state: promptState.fork(), tokens: choice.generated.isEmpty ? [] : tokens,
                                             queries: choice.generated.isEmpty ? [] : queries))
        }
        let results = try model.extend(requests)
        for i in choices.indices {
            let generated = zip(choices[i].generated, results[i].answers).map { token, answer in
                PositionReport(token: token, logProb: answer!.targetLogProbs[0], top: answer!.topK)
            }
            choices[i].positions = (job.echo ? echoed : []) + generated
        }
        return choices
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (Swift's Glibc module does not export it; other C
    /// libraries have no such call and need none).
    private static func trimHeap() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Whether the decoder called `name` returns an n-best list (its registry entry names the parameter that
    /// sets how many).
    func returnsNBest(_ name: String) -> Bool {
        (try? decoders.entry(named: name))?.returnedSequencesParameter != nil
    }

    func makeDecoder(_ configuration: DecoderConfiguration) throws -> any Decoder {
        do {
            return try decoders.make(configuration)
        } catch let error as ConfigurationError {
            throw APIError.invalid("\(error)", param: "decoder")
        }
    }

    func makeProcessors(_ configurations: [ProcessorConfiguration]) throws -> [any LogitProcessor] {
        do {
            return try processors.make(configurations)
        } catch let error as ConfigurationError {
            throw APIError.invalid("\(error)", param: "processors")
        }
    }

    // MARK: Scoring

    public struct ScoredContinuation: Sendable, Equatable {
        public var tokens: [TokenID]
        public var tokenLogProbs: [Float]
        public var isGreedy: Bool
        public var logProb: Double
    }

    /// The continuations' log-probs given the context, through the shared-prefix scorer (the context is
    /// computed once). Text is split as lm-evaluation-harness splits it.
    public func score(context: ScoringText, continuations: [ScoringText]) throws -> [ScoredContinuation] {
        var requests: [ScoringRequest] = []
        for (i, continuation) in continuations.enumerated() {
            let field = "continuations[\(i)]"
            let request: ScoringRequest
            switch (context, continuation) {
            case let (.text(c), .text(x)):
                do {
                    request = try runtime.splitter.request(id: "\(i)", context: c, continuation: x)
                } catch {
                    throw APIError.invalid("\(error)", param: field)
                }
            case let (.tokens(c), .tokens(x)):
                request = ScoringRequest(id: "\(i)", context: c, continuation: x)
            case (.text(let c), .tokens(let x)):
                request = ScoringRequest(id: "\(i)", context: tokenizer.encode(c), continuation: x)
            case (.tokens(let c), .text(let x)):
                request = ScoringRequest(id: "\(i)", context: c, continuation: tokenizer.encode(x, parseSpecial: false, addBOS: false))
            }
            guard !request.context.isEmpty else { throw APIError.invalid("'context' is empty: give at least one token", param: "context") }
            guard !request.continuation.isEmpty else { throw APIError.invalid("'\(field)' is empty", param: field) }
            try checkPrompt(request.context + request.continuation, maxTokens: 0, field: field)
            requests.append(request)
        }
        model.beginParticipant()
        defer { model.endParticipant() }
        let results = try SharedPrefixScorer(batchSize: 16).score(requests, model: model)
        return zip(requests, results).map { request, result in
            ScoredContinuation(tokens: request.continuation, tokenLogProbs: result.tokenLogProbs,
                               isGreedy: result.isGreedy, logProb: result.logProb)
        }
    }

    // MARK: Text

    /// A token's text for log-prob listings: its decoded bytes, with invalid UTF-8 shown as U+FFFD.
    public func tokenText(_ token: TokenID) -> String { tokenizer.decode([token]) }

    /// `text` for the whole sequence, and each token's offset in it in Unicode code points (OpenAI's
    /// `text_offset`, which indexes a Python string).
    public func textWithOffsets(_ tokens: [TokenID]) -> (text: String, offsets: [Int]) {
        var detokenizer = tokenizer.streamingDetokenizer()
        var text = ""
        var offsets: [Int] = []
        var length = 0
        for token in tokens {
            offsets.append(length)
            let piece = detokenizer.append(token)
            text += piece
            length += piece.unicodeScalars.count
        }
        text += detokenizer.finish()
        return (text, offsets)
    }
}

/// A scoring input: text, split the way lm-evaluation-harness splits it, or token ids as given.
public enum ScoringText: Sendable, Equatable {
    case text(String)
    case tokens([TokenID])
}
