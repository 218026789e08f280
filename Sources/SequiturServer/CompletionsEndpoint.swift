import Foundation
import Hummingbird
import Sequitur

/// `POST /v1/completions`, OpenAI's legacy API: one or more prompts (text or token ids), each decoded `n`
/// times or only scored (`max_tokens: 0`), with the prompt echoed and per-token log-probs when asked. This is
/// what lm-evaluation-harness's `local-completions` model scores multiple choice with.
extension SequiturServer {
    func completions(_ body: RequestFields) async throws -> Response {
        var f = body
        try checkModel(&f)
        let prompts = try readPrompts(&f)
        let echo = try f.bool("echo") ?? false
        let logprobs = try f.int("logprobs", in: 0...20)
        let stream = try f.bool("stream") ?? false
        if let suffix = try f.string("suffix"), !suffix.isEmpty {
            throw APIError.invalid("'suffix' (insertion) is not supported: the model is causal", param: "suffix")
        }
        let bestOf = try f.int("best_of", in: 1...16)
        let generation = try GenerationFields.read(&f, maxTokensKeys: ["max_tokens"], defaultMaxTokens: 16,
                                                   decoders: engine.decoders)
        if let bestOf, bestOf != generation.n {
            throw APIError.invalid("'best_of' different from 'n' is not supported", param: "best_of")
        }
        try f.finish()
        for (i, prompt) in prompts.enumerated() {
            try engine.checkPrompt(prompt, maxTokens: generation.maxTokens, field: prompts.count == 1 ? "prompt" : "prompt[\(i)]")
        }
        let jobs = prompts.map { prompt in
            ServerEngine.CompletionJob(prompt: prompt, maxTokens: generation.maxTokens, echo: echo, logprobs: logprobs,
                                       n: generation.n, decoder: generation.decoder, processors: generation.processors,
                                       stop: generation.stop)
        }
        let id = "cmpl-" + Self.randomID()
        let created = Int(Date().timeIntervalSince1970)
        if stream {
            guard jobs.count == 1 else {
                throw APIError.invalid("'stream' takes one prompt, not \(jobs.count)", param: "prompt")
            }
            // Log-probs come from a pass over the finished output, so a stream could only send null ones.
            guard logprobs == nil else {
                throw APIError.invalid("'logprobs' cannot be streamed: ask without 'stream' to get them", param: "logprobs")
            }
            return try await streamCompletion(jobs[0], stop: generation.stop, id: id,
                                              created: created, prefixText: echo ? engine.tokenizer.decode(jobs[0].prompt) : "",
                                              chunk: Self.completionChunk)
        }
        // Prompts run side by side, on worker threads, joining the same forward passes.
        let engine = self.engine
        let results = try await withThrowingTaskGroup(of: (Int, [ServerEngine.CompletionChoice]).self) { group in
            for (i, job) in jobs.enumerated() {
                group.addTask { (i, try await self.workers.run { flag in try engine.complete(job, cancelled: flag) }) }
            }
            var out = [[ServerEngine.CompletionChoice]](repeating: [], count: jobs.count)
            for try await (i, choices) in group { out[i] = choices }
            return out
        }
        var choices: [[String: Any]] = []
        var completionTokens = 0
        for (p, job) in jobs.enumerated() {
            for choice in results[p] {
                completionTokens += choice.generated.count
                choices.append(completionChoice(choice, job: job, index: choices.count, stop: generation.stop))
            }
        }
        metrics.recordGenerated(completionTokens)
        let promptTokens = jobs.reduce(0) { $0 + $1.prompt.count }
        return try JSONResponse.make([
            "id": id, "object": "text_completion", "created": created, "model": engine.servedModelName,
            "choices": choices,
            "usage": ["prompt_tokens": promptTokens, "completion_tokens": completionTokens,
                      "total_tokens": promptTokens + completionTokens],
        ])
    }

    /// `prompt`: a string, a list of strings, a list of token ids, or a list of such lists.
    func readPrompts(_ f: inout RequestFields) throws -> [[TokenID]] {
        guard let value = f.value("prompt") else { throw APIError.invalid("'prompt' is required", param: "prompt") }
        switch value {
        case let .string(text):
            return [engine.tokenizer.encode(text)]
        case let .array(items):
            guard !items.isEmpty else { throw APIError.invalid("'prompt' is an empty list", param: "prompt") }
            // A list of numbers is one prompt of token ids (a non-integer among them is that element's error).
            if items.allSatisfy({ switch $0 { case .int, .double: return true; default: return false } }) {
                return [try tokenIDs(items, path: "prompt")]
            }
            return try items.enumerated().map { i, item in
                switch item {
                case let .string(text): return engine.tokenizer.encode(text)
                case let .array(ids): return try tokenIDs(ids, path: "prompt[\(i)]")
                default:
                    throw APIError.wrongType("prompt[\(i)]", expected: "a string or a list of token ids", got: item)
                }
            }
        default:
            throw APIError.wrongType("prompt", expected: "a string, a list of strings or a list of token ids", got: value)
        }
    }

    /// One choice in OpenAI's legacy shape, with token ids beside the texts.
    func completionChoice(_ choice: ServerEngine.CompletionChoice, job: ServerEngine.CompletionJob, index: Int,
                          stop: [String]) -> [String: Any] {
        let completion = Self.trimmedAtStop(engine.tokenizer.decode(choice.generated, skipSpecial: true), stop: stop)
        let text = job.echo ? engine.tokenizer.decode(job.prompt) + completion : completion
        var object: [String: Any] = [
            "index": index, "text": text, "finish_reason": Self.finishReason(choice.finishReason),
        ]
        if let positions = choice.positions {
            object["logprobs"] = legacyLogprobs(positions)
        } else {
            object["logprobs"] = NSNull()
        }
        if let certificate = choice.certificate { object["certificate"] = Self.certificateObject(certificate) }
        return object
    }

    /// `{tokens, token_logprobs, top_logprobs, text_offset, token_ids, top_logprobs_ids}`. `top_logprobs` is
    /// keyed by text, as OpenAI's is, keeping the likelier of tokens with equal texts; `top_logprobs_ids` keeps
    /// every token apart.
    func legacyLogprobs(_ positions: [ServerEngine.PositionReport]) -> [String: Any] {
        let offsets = engine.textWithOffsets(positions.map(\.token)).offsets
        var tops: [Any] = []
        var topIDs: [Any] = []
        for position in positions {
            guard position.logProb != nil else {
                tops.append(NSNull())
                topIDs.append(NSNull())
                continue
            }
            var byText: [String: Any] = [:]
            var list: [[String: Any]] = []
            for alternative in position.top {
                let text = engine.tokenText(alternative.token)
                if byText[text] == nil { byText[text] = JSONResponse.logProb(alternative.logProb) }
                list.append(["id": Int(alternative.token), "token": text, "logprob": JSONResponse.logProb(alternative.logProb)])
            }
            tops.append(byText)
            topIDs.append(list)
        }
        return [
            "tokens": positions.map { engine.tokenText($0.token) },
            "token_logprobs": positions.map { JSONResponse.optionalLogProb($0.logProb) },
            "top_logprobs": tops,
            "text_offset": offsets,
            "token_ids": positions.map { Int($0.token) },
            "top_logprobs_ids": topIDs,
        ]
    }

    static func completionChunk(id: String, created: Int, model: String, index: Int, text: String,
                                finishReason: String?) -> [String: Any] {
        ["id": id, "object": "text_completion", "created": created, "model": model,
         "choices": [["index": index, "text": text, "logprobs": NSNull(), "finish_reason": finishReason ?? NSNull()] as [String: Any]]]
    }

    /// OpenAI's two reasons: "length" when the token limit (or a search budget) ended it, else "stop".
    static func finishReason(_ reason: FinishReason) -> String {
        switch reason {
        case .length, .incomplete, .budget: return "length"
        case .endToken, .stopString, .interrupted, .noAllowedToken: return "stop"
        }
    }

    /// The text up to the first stop string, which OpenAI leaves out of the answer. Matched on Unicode scalars,
    /// as the stream holds text back (`StreamedText`), so both cut at the same place.
    static func trimmedAtStop(_ text: String, stop: [String]) -> String {
        let scalars = Array(text.unicodeScalars)
        var cut = scalars.count
        for s in stop.map({ Array($0.unicodeScalars) }) where !s.isEmpty && s.count <= scalars.count {
            for start in 0...(scalars.count - s.count) where start < cut && scalars[start..<(start + s.count)].elementsEqual(s) {
                cut = start
                break
            }
        }
        return cut == scalars.count ? text : String(String.UnicodeScalarView(scalars[..<cut]))
    }

    static func certificateObject(_ certificate: SearchCertificate) -> [String: Any] {
        switch certificate {
        case let .provenOptimal(expansions):
            return ["kind": "proven_optimal", "expansions": expansions]
        case let .budgetExhausted(expansions, best, bound, reason):
            return ["kind": "budget_exhausted", "expansions": expansions, "reason": reason,
                    "best_score": best.map { $0 as Any } ?? NSNull(), "upper_bound": bound]
        }
    }

    static func randomID() -> String {
        (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
