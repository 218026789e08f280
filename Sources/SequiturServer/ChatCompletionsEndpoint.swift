import Foundation
import Hummingbird
import Sequitur

/// `POST /v1/chat/completions`: the messages rendered with the model's own chat template (as transformers'
/// `apply_chat_template` renders them), then decoded like a completion; `stream: true` sends server-sent events.
extension SequiturServer {
    func chatCompletions(_ body: RequestFields) async throws -> Response {
        var f = body
        try checkModel(&f)
        let messages = try readMessages(&f)
        let stream = try f.bool("stream") ?? false
        if var options = try f.object("stream_options") {
            _ = try options.bool("include_usage")
            try options.finish()
        }
        let logprobs = try f.bool("logprobs") ?? false
        let topLogprobs = try f.int("top_logprobs", in: 0...20)
        if topLogprobs != nil && !logprobs {
            throw APIError.invalid("'top_logprobs' needs 'logprobs': true", param: "top_logprobs")
        }
        let generation = try GenerationFields.read(&f, maxTokensKeys: ["max_completion_tokens", "max_tokens"],
                                                   defaultMaxTokens: engine.contextLength, decoders: engine.decoders)
        let templateVariables = try f.chatTemplateVariables()
        try f.finish()

        let rendered: String
        do {
            rendered = try engine.runtime.renderChat(messages, addGenerationPrompt: true, extraVariables: templateVariables)
        } catch {
            throw APIError.invalid("the model's chat template could not render these messages: \(error)", param: "messages")
        }
        // As apply_chat_template(tokenize=True): a template that wants BOS writes it, so none is added.
        let prompt = engine.tokenizer.encode(rendered, parseSpecial: true, addBOS: false)
        // Without a limit a chat answer may use the rest of the context.
        let maxTokens = min(generation.maxTokens, max(0, engine.contextLength - prompt.count))
        try engine.checkPrompt(prompt, maxTokens: maxTokens, field: "messages")
        let job = ServerEngine.CompletionJob(prompt: prompt, maxTokens: maxTokens, logprobs: logprobs ? (topLogprobs ?? 0) : nil,
                                             n: generation.n, decoder: generation.decoder,
                                             processors: generation.processors, stop: generation.stop)
        let id = "chatcmpl-" + Self.randomID()
        let created = Int(Date().timeIntervalSince1970)
        let model = engine.servedModelName
        if stream {
            guard !logprobs else {
                throw APIError.invalid("'logprobs' cannot be streamed: ask without 'stream' to get them", param: "logprobs")
            }
            let first: [String: Any] = [
                "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": (0..<generation.n).map { i in
                    ["index": i, "delta": ["role": "assistant", "content": ""], "logprobs": NSNull(),
                     "finish_reason": NSNull()] as [String: Any]
                },
            ]
            return try await streamCompletion(job, stop: generation.stop, id: id,
                                              created: created, firstChunk: first, chunk: Self.chatChunk)
        }
        let engine = self.engine
        let choices = try await workers.run { flag in try engine.complete(job, cancelled: flag) }
        var objects: [[String: Any]] = []
        var completionTokens = 0
        for (i, choice) in choices.enumerated() {
            completionTokens += choice.generated.count
            let text = Self.trimmedAtStop(engine.tokenizer.decode(choice.generated, skipSpecial: true), stop: generation.stop)
            var object: [String: Any] = [
                "index": i, "message": ["role": "assistant", "content": text],
                "finish_reason": Self.finishReason(choice.finishReason),
                "logprobs": NSNull(),
            ]
            if let positions = choice.positions {
                object["logprobs"] = ["content": positions.map(chatLogprob)]
            }
            if let certificate = choice.certificate { object["certificate"] = Self.certificateObject(certificate) }
            objects.append(object)
        }
        metrics.recordGenerated(completionTokens)
        return try JSONResponse.make([
            "id": id, "object": "chat.completion", "created": created, "model": model, "choices": objects,
            "usage": ["prompt_tokens": prompt.count, "completion_tokens": completionTokens,
                      "total_tokens": prompt.count + completionTokens],
        ])
    }

    /// `messages`: `[{role, content}]`, content a string or a list of `{type: "text", text}` parts.
    func readMessages(_ f: inout RequestFields) throws -> [ChatMessage] {
        guard let items = try f.array("messages") else { throw APIError.invalid("'messages' is required", param: "messages") }
        guard !items.isEmpty else { throw APIError.invalid("'messages' is empty", param: "messages") }
        return try items.enumerated().map { i, item in
            let path = "messages[\(i)]"
            guard case let .object(object) = item else { throw APIError.wrongType(path, expected: "an object", got: item) }
            var m = RequestFields(object, path: path)
            guard let role = try m.string("role") else { throw APIError.invalid("'\(path).role' is required", param: "\(path).role") }
            guard ["system", "user", "assistant", "developer"].contains(role) else {
                throw APIError.invalid("'\(path).role' is '\(role)'; it must be system, developer, user or assistant", param: "\(path).role")
            }
            let content: String
            switch m.value("content") {
            case let .string(s)?: content = s
            case let .array(parts)?:
                content = try parts.enumerated().map { j, part in
                    let partPath = "\(path).content[\(j)]"
                    guard case let .object(o) = part else { throw APIError.wrongType(partPath, expected: "an object", got: part) }
                    var p = RequestFields(o, path: partPath)
                    guard try p.string("type") == "text", let text = try p.string("text") else {
                        throw APIError.invalid("'\(partPath)' must be {\"type\": \"text\", \"text\": …}: this model reads text only", param: partPath)
                    }
                    try p.finish()
                    return text
                }.joined()
            case nil: throw APIError.invalid("'\(path).content' is required", param: "\(path).content")
            case let other?: throw APIError.wrongType("\(path).content", expected: "a string or a list of text parts", got: other)
            }
            _ = try m.string("name")
            try m.finish()
            return ChatMessage(role: role == "developer" ? "system" : role, content: content)
        }
    }

    func chatLogprob(_ position: ServerEngine.PositionReport) -> [String: Any] {
        var top: [[String: Any]] = []
        for alternative in position.top {
            top.append(tokenEntry(alternative.token, logProb: JSONResponse.logProb(alternative.logProb)))
        }
        var entry = tokenEntry(position.token, logProb: JSONResponse.optionalLogProb(position.logProb))
        entry["top_logprobs"] = top
        return entry
    }

    /// `{token, logprob, bytes}`: the bytes let a client rebuild characters split across tokens.
    private func tokenEntry(_ token: TokenID, logProb: Any) -> [String: Any] {
        let bytes: [Int] = engine.tokenizer.decodedBytes(of: token, skipSpecial: false).map { Int($0) }
        return ["token": engine.tokenText(token), "logprob": logProb, "bytes": bytes]
    }

    static func chatChunk(id: String, created: Int, model: String, index: Int, text: String,
                          finishReason: String?) -> [String: Any] {
        let delta: [String: Any] = finishReason == nil ? ["content": text] : [:]
        var choice: [String: Any] = ["index": index, "delta": delta, "logprobs": NSNull()]
        choice["finish_reason"] = finishReason.map { $0 as Any } ?? NSNull()
        return ["id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice]]
    }
}
