import Foundation
import Hummingbird
import Sequitur

/// vLLM's tokenizer routes (`/tokenize`, `/detokenize`, `/tokenizer_info`), which lm-evaluation-harness's remote
/// tokenizer calls, and `POST /v1/score`: continuations' log-probs given a context, through the shared-prefix
/// scorer.
extension SequiturServer {
    func tokenize(_ body: RequestFields) throws -> Response {
        var f = body
        try checkModel(&f)
        let addSpecial = try f.bool("add_special_tokens") ?? true
        let returnStrings = try f.bool("return_token_strs") ?? false
        let tokens: [TokenID]
        if let text = try f.string("prompt") {
            guard f.value("messages") == nil else {
                throw APIError.invalid("give either 'prompt' or 'messages'", param: "messages")
            }
            tokens = engine.tokenizer.encode(text, parseSpecial: true, addBOS: addSpecial ? nil : false)
        } else if f.value("messages") != nil {
            let messages = try readMessages(&f)
            let addGenerationPrompt = try f.bool("add_generation_prompt") ?? true
            let templateVariables = try f.chatTemplateVariables()
            let rendered: String
            do {
                rendered = try engine.runtime.renderChat(messages, addGenerationPrompt: addGenerationPrompt,
                                                         extraVariables: templateVariables)
            } catch {
                throw APIError.invalid("the model's chat template could not render these messages: \(error)", param: "messages")
            }
            tokens = engine.tokenizer.encode(rendered, parseSpecial: true, addBOS: addSpecial ? nil : false)
        } else {
            throw APIError.invalid("'prompt' (a string) or 'messages' is required", param: "prompt")
        }
        _ = try f.bool("continue_final_message")
        try f.finish()
        return try JSONResponse.make([
            "count": tokens.count, "max_model_len": engine.contextLength, "tokens": tokens.map(Int.init),
            "token_strs": returnStrings ? tokens.map { engine.tokenizer.piece(for: $0) } as Any : NSNull(),
        ])
    }

    func detokenize(_ body: RequestFields) throws -> Response {
        var f = body
        try checkModel(&f)
        guard let items = try f.array("tokens") else { throw APIError.invalid("'tokens' is required", param: "tokens") }
        let tokens = try tokenIDs(items, path: "tokens")
        let size = engine.tokenizer.count
        if let (i, bad) = tokens.enumerated().first(where: { $0.element < 0 || Int($0.element) >= size }) {
            throw APIError.invalid("'tokens[\(i)]' is id \(bad), outside the vocabulary (ids 0..<\(size))", param: "tokens[\(i)]",
                                   code: "token_out_of_vocabulary")
        }
        try f.finish()
        return try JSONResponse.make(["prompt": engine.tokenizer.decode(tokens)])
    }

    func tokenizerInfo() -> [String: Any] {
        let t = engine.tokenizer
        let template = try? engine.runtime.chatTemplate().source
        return [
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": engine.contextLength,
            "vocab_size": t.count,
            "bos_token": t.bosID.map { t.piece(for: $0) as Any } ?? NSNull(),
            "bos_token_id": t.bosID.map { Int($0) as Any } ?? NSNull(),
            "eos_token": t.eosID.map { t.piece(for: $0) as Any } ?? NSNull(),
            "eos_token_id": t.eosID.map { Int($0) as Any } ?? NSNull(),
            "add_bos_token": t.beginToken != nil,
            "pad_token": NSNull(),
            "chat_template": template.map { $0 as Any } ?? NSNull(),
        ]
    }

    func score(_ body: RequestFields) async throws -> Response {
        var f = body
        try checkModel(&f)
        guard let contextValue = f.value("context") else { throw APIError.invalid("'context' is required", param: "context") }
        let context = try scoringText(contextValue, path: "context")
        guard let items = try f.array("continuations") else {
            throw APIError.invalid("'continuations' is required", param: "continuations")
        }
        guard !items.isEmpty else { throw APIError.invalid("'continuations' is empty", param: "continuations") }
        let continuations = try items.enumerated().map { i, item in try scoringText(item, path: "continuations[\(i)]") }
        try f.finish()
        let engine = self.engine
        let results = try await workers.run { _ in try engine.score(context: context, continuations: continuations) }
        return try JSONResponse.make([
            "object": "score", "model": engine.servedModelName,
            "results": results.enumerated().map { i, r in
                [
                    "index": i, "tokens": r.tokens.map(Int.init), "token_strs": r.tokens.map(engine.tokenText),
                    "token_logprobs": r.tokenLogProbs.map(JSONResponse.logProb), "is_greedy": r.isGreedy,
                    "logprob": r.logProb.isFinite ? r.logProb : -9999.0,
                ] as [String: Any]
            },
        ])
    }

    func scoringText(_ value: ConfigValue, path: String) throws -> ScoringText {
        switch value {
        case let .string(s): return .text(s)
        case let .array(items): return .tokens(try tokenIDs(items, path: path))
        default: throw APIError.wrongType(path, expected: "a string or a list of token ids", got: value)
        }
    }
}
