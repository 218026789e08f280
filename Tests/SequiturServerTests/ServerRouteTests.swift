import Foundation
import Hummingbird
import HummingbirdTesting
import Sequitur
import SequiturServer
import Testing

/// Every route on the default model, through Hummingbird's router test client: the numbers are the model's own
/// (equal to the scorer's and the decoders'), and each bad request gets OpenAI's error shape naming the field.
@Suite(.serialized, .enabled(if: ServerTestModel.shouldRun, "needs the default model (./scripts/bootstrap)"))
struct ServerRouteTests {
    let context = "The capital of France is"
    let continuation = " Paris"

    @Test func healthAndModels() async throws {
        try await ServerTestModel.withServer { _, client in
            let health = try await client.get("/health")
            #expect(health.status == 200 && health.json["status"] as? String == "ok")
            let models = try await client.get("/v1/models")
            let data = models.json["data"] as? [[String: Any]] ?? []
            #expect(data.count == 1 && data.first?["id"] as? String == "test-model")
            #expect(data.first?["max_model_len"] as? Int == 8192)
        }
    }

    @Test func echoedLogProbsAreTheScorersNumbers() async throws {
        let rt = try ServerTestModel.runtime()
        let request = try rt.splitter.request(id: "0", context: context, continuation: continuation)
        let expected = try SharedPrefixScorer().score([request], model: rt.model)[0]
        let prompt = (request.context + request.continuation).map(Int.init)
        try await ServerTestModel.withServer { _, client in
            // lm-evaluation-harness's request: token ids, echo, one top log-prob, one new token.
            let reply = try await client.post("/v1/completions", json: [
                "prompt": [prompt], "echo": true, "logprobs": 1, "max_tokens": 1, "temperature": 0,
            ])
            #expect(reply.status == 200, "\(reply.text)")
            let logprobs = reply.choices.first?["logprobs"] as? [String: Any] ?? [:]
            let values = floats(logprobs["token_logprobs"])
            #expect(values.count == prompt.count + 1)
            #expect(values.first! == nil, "the first position has no log-prob")
            let continuationValues = values[request.context.count..<prompt.count].map { $0! }
            #expect(continuationValues == expected.tokenLogProbs, "bitwise the scorer's figures")
            #expect((logprobs["token_ids"] as? [Int])?.prefix(prompt.count).elementsEqual(prompt) == true)
            let tops = logprobs["top_logprobs"] as? [Any] ?? []
            #expect(tops.first is NSNull && (tops.last as? [String: Any])?.count == 1)
            let text = reply.choices.first?["text"] as? String ?? ""
            #expect(text.hasPrefix(context + continuation))

            // Scoring only (max_tokens 0) gives the same numbers, and so does /v1/score.
            let scoreOnly = try await client.post("/v1/completions", json: ["prompt": prompt, "echo": true, "logprobs": 0, "max_tokens": 0])
            let only = floats((scoreOnly.choices.first?["logprobs"] as? [String: Any])?["token_logprobs"])
            #expect(only.count == prompt.count && only.suffix(request.continuation.count).map { $0! } == continuationValues)
            let scored = try await client.post("/v1/score", json: ["context": context, "continuations": [continuation, " London"]])
            let results = scored.json["results"] as? [[String: Any]] ?? []
            #expect(results.count == 2)
            #expect(floats(results.first?["token_logprobs"]).map { $0! } == continuationValues)
            #expect(results.first?["is_greedy"] as? Bool == expected.isGreedy)
            let sum = (results.first?["logprob"] as? NSNumber)?.doubleValue ?? 0
            #expect(abs(sum - expected.logProb) <= 1e-15 * max(1, abs(expected.logProb)))
        }
    }

    @Test func greedyCompletionIsTheGreedyDecodersOutput() async throws {
        let rt = try ServerTestModel.runtime()
        let prompt = rt.tokenizer.encode(context)
        let greedy = try GreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 12)), model: rt.model)
        let best = try #require(greedy.best)
        let expectedText = rt.tokenizer.decode(best.tokens, skipSpecial: true)
        try await ServerTestModel.withServer { [context] _, client in
            let reply = try await client.post("/v1/completions", json: [
                "prompt": context, "max_tokens": 12, "temperature": 0, "logprobs": 2,
            ])
            #expect(reply.status == 200, "\(reply.text)")
            let choice = try #require(reply.choices.first)
            #expect(choice["text"] as? String == expectedText)
            #expect(choice["finish_reason"] as? String == (best.finishReason == .length ? "length" : "stop"))
            let logprobs = choice["logprobs"] as? [String: Any] ?? [:]
            #expect((logprobs["token_ids"] as? [Int]) == best.tokens.map(Int.init))
            #expect(floats(logprobs["token_logprobs"]).map { $0! } == best.tokenLogProbs,
                    "rescored log-probs equal the decoder's, bit for bit")
            let ids = logprobs["top_logprobs_ids"] as? [[[String: Any]]] ?? []
            #expect(ids.count == best.tokens.count && ids.allSatisfy { $0.count == 2 })
            #expect(ids.first?.first?["id"] as? Int == Int(best.tokens[0]), "greedy takes the top token")
            let usage = reply.json["usage"] as? [String: Int] ?? [:]
            #expect(usage["prompt_tokens"] == prompt.count && usage["completion_tokens"] == best.tokens.count)
        }
    }

    @Test func severalPromptsTimesNChoicesInPromptMajorOrder() async throws {
        try await ServerTestModel.withServer { _, client in
            let body: [String: Any] = ["prompt": ["Once upon a time", "The best way to"], "n": 2, "max_tokens": 6,
                                       "temperature": 0.9, "seed": 11]
            let first = try await client.post("/v1/completions", json: body)
            let again = try await client.post("/v1/completions", json: body)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.choices.map { $0["index"] as? Int } == [0, 1, 2, 3])
            let texts = first.choices.map { $0["text"] as? String ?? "" }
            #expect(texts == again.choices.map { $0["text"] as? String ?? "" }, "a seed makes sampling reproducible")
            #expect(texts[0] != texts[1] || texts[2] != texts[3], "each sample draws from its own seed")
        }
    }

    @Test func beamSearchThroughTheDecoderField() async throws {
        try await ServerTestModel.withServer { _, client in
            let reply = try await client.post("/v1/completions", json: [
                "prompt": context, "max_tokens": 4, "n": 2, "decoder": ["name": "beam", "parameters": ["numBeams": 2]],
            ])
            #expect(reply.status == 200, "\(reply.text)")
            try #require(reply.choices.count == 2)
            #expect(reply.choices[0]["text"] as? String != reply.choices[1]["text"] as? String)
        }
    }

    /// lm-evaluation-harness passes a task's transformers-style settings through, and vLLM's sampling extensions
    /// are common: each means here what it means there.
    @Test func transformersAndVLLMGenerationFields() async throws {
        try await ServerTestModel.withServer { [context] _, client in
            let greedy = try await client.post("/v1/completions", json: ["prompt": context, "max_tokens": 6, "temperature": 0])
            let hf = try await client.post("/v1/completions", json: [
                "prompt": context, "max_new_tokens": 6, "do_sample": false, "num_beams": 1,
                "stop": ["a1", "a2", "a3", "a4", "a5", "<|im_end|>"],
            ])
            #expect(hf.status == 200, "\(hf.text)")
            #expect(hf.choices.first?["text"] as? String == greedy.choices.first?["text"] as? String)
            let copies = try await client.post("/v1/completions", json: ["prompt": context, "max_tokens": 4, "temperature": 0, "n": 3])
            #expect(copies.choices.count == 3 && Set(copies.choices.map { $0["text"] as? String ?? "" }).count == 1,
                    "n greedy choices are n copies")
            let beams = try await client.post("/v1/completions", json: ["prompt": context, "max_tokens": 4, "num_beams": 3, "n": 2])
            #expect(beams.status == 200 && beams.choices.count == 2, "\(beams.text)")
            let sampled = try await client.post("/v1/completions", json: [
                "prompt": context, "max_tokens": 4, "temperature": 0.7, "top_k": 1, "min_p": 0.05, "seed": 3,
                "repetition_penalty": 1.0,
            ])
            #expect(sampled.choices.first?["text"] as? String == copies.choices.first?["text"] as? String,
                    "top_k 1 samples the greedy token")
        }
    }

    @Test func exactSearchAnswersWithItsCertificate() async throws {
        try await ServerTestModel.withServer { [context] _, client in
            let reply = try await client.post("/v1/completions", json: [
                "prompt": context, "max_tokens": 3, "decoder": ["name": "exhaustive"],
            ])
            let certificate = reply.choices.first?["certificate"] as? [String: Any] ?? [:]
            #expect(certificate["kind"] as? String == "proven_optimal", "\(reply.text)")
            #expect((certificate["expansions"] as? Int ?? 0) >= 3)
        }
    }

    /// A client that goes away (the flag a closed stream sets) stops the decode at its next step, and the
    /// request's KV blocks go back to the pool.
    @Test func aCancelledRequestStopsAndFreesItsBlocks() async throws {
        let rt = try ServerTestModel.runtime()
        let prompt = rt.tokenizer.encode("Once upon a time, there was a")
        try await ServerTestModel.withServer(ServerOptions(idleRelease: 0.1)) { server, _ in
            let flag = RequestWorkers.CancellationFlag()
            let job = ServerEngine.CompletionJob(prompt: prompt, maxTokens: 200)
            let engine = server.engine
            let choices = try await server.workers.run(flag: flag) { flag in
                var seen = 0
                return try engine.complete(job, cancelled: flag) { _, _ in
                    seen += 1
                    if seen == 3 { flag.cancel() }
                    return true
                }
            }
            #expect(choices.first?.finishReason == .interrupted)
            #expect((choices.first?.generated.count ?? 0) < 10)
            #expect(await RequestWorkersTests.eventually { engine.kvCacheUsage?.blocksInUse == 0 })
        }
    }

    @Test func stopStringsEndTheTextAndStreamingAgrees() async throws {
        try await ServerTestModel.withServer { _, client in
            let messages = [["role": "user", "content": "What is the capital of France?"]]
            let plain = try await client.post("/v1/chat/completions", json: [
                "messages": messages, "max_tokens": 24, "temperature": 0, "stop": [" Paris"],
            ])
            #expect(plain.status == 200, "\(plain.text)")
            let choice = try #require(plain.choices.first)
            let content = (choice["message"] as? [String: Any])?["content"] as? String ?? ""
            #expect(!content.contains(" Paris") && choice["finish_reason"] as? String == "stop")

            let streamed = try await client.post("/v1/chat/completions", json: [
                "messages": messages, "max_tokens": 24, "temperature": 0, "stop": [" Paris"], "stream": true,
            ])
            #expect(streamed.status == 200)
            #expect(streamed.headers[.contentType] == "text/event-stream")
            let events = streamed.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.last == "data: [DONE]")
            var text = ""
            var reasons: [String] = []
            for event in events.dropLast() {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any])
                #expect(object["object"] as? String == "chat.completion.chunk")
                let c = (object["choices"] as? [[String: Any]])?.first ?? [:]
                text += (c["delta"] as? [String: Any])?["content"] as? String ?? ""
                if let r = c["finish_reason"] as? String { reasons.append(r) }
            }
            #expect(text == content, "the streamed pieces concatenate to the answer")
            #expect(reasons == ["stop"])
        }
    }

    @Test func chatLogProbsInTheChatShape() async throws {
        try await ServerTestModel.withServer { _, client in
            let reply = try await client.post("/v1/chat/completions", json: [
                "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": [["type": "text", "text": "Hi"]]]],
                "max_completion_tokens": 5, "temperature": 0, "logprobs": true, "top_logprobs": 2,
            ])
            #expect(reply.status == 200, "\(reply.text)")
            let content = ((reply.choices.first?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]]) ?? []
            #expect(content.count == 5)
            for entry in content {
                #expect((entry["bytes"] as? [Int])?.isEmpty == false)
                #expect((entry["top_logprobs"] as? [[String: Any]])?.count == 2)
                #expect(((entry["logprob"] as? NSNumber)?.doubleValue ?? 1) <= 0)
            }
        }
    }

    @Test func tokenizerRoutes() async throws {
        let rt = try ServerTestModel.runtime()
        let expectedIDs = rt.tokenizer.encode(context).map(Int.init)
        let rendered = try rt.renderChat([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        let expectedChatIDs = rt.tokenizer.encode(rendered).map(Int.init)
        try await ServerTestModel.withServer { [context] _, client in
            let tokenized = try await client.post("/tokenize", json: ["prompt": context, "return_token_strs": true])
            let ids = tokenized.json["tokens"] as? [Int] ?? []
            #expect(ids == expectedIDs)
            #expect(tokenized.json["count"] as? Int == ids.count && (tokenized.json["token_strs"] as? [String])?.count == ids.count)
            let back = try await client.post("/detokenize", json: ["tokens": ids])
            #expect(back.json["prompt"] as? String == context)
            let chat = try await client.post("/tokenize", json: ["messages": [["role": "user", "content": "Hi"]]])
            #expect(chat.json["tokens"] as? [Int] == expectedChatIDs)
            // SmolLM2's template reads no extra variable: the same tokens with one given.
            let kwargs = try await client.post("/tokenize", json: ["messages": [["role": "user", "content": "Hi"]],
                                                                   "chat_template_kwargs": ["enable_thinking": false]])
            #expect(kwargs.json["tokens"] as? [Int] == expectedChatIDs, "\(kwargs.text)")
            let info = try await client.get("/tokenizer_info")
            #expect(info.json["model_max_length"] as? Int == 8192 && info.json["eos_token"] is String)
            #expect(info.json["chat_template"] is String)
        }
    }

    /// (route, body, status, param, code) of requests outside the API.
    static let badRequests: [(String, String, Int, String?, String?)] = [
        ("/v1/completions", #"{"prompt": "a", "max_tokenz": 8}"#, 400, "max_tokenz", "unknown_field"),
        ("/v1/completions", #"{"prompt": "a", "max_tokens": "8"}"#, 400, "max_tokens", "invalid_type"),
        ("/v1/completions", #"{"prompt": "a", "temperature": 5}"#, 400, "temperature", nil),
        ("/v1/completions", #"{"prompt": [1, 999999]}"#, 400, "prompt", "token_out_of_vocabulary"),
        ("/v1/completions", #"{"prompt": [[1, 2], [3, -1]]}"#, 400, "prompt[1]", "token_out_of_vocabulary"),
        ("/v1/completions", #"{"prompt": "a", "max_tokens": 9000}"#, 400, "prompt", "context_length_exceeded"),
        ("/v1/completions", #"{"prompt": [1, 2.5]}"#, 400, "prompt[1]", "invalid_type"),
        ("/v1/completions", #"{"prompt": "a""#, 400, nil, "invalid_json"),
        ("/v1/completions", #"[1, 2]"#, 400, nil, "invalid_json"),
        ("/v1/completions", #"{"max_tokens": 1}"#, 400, "prompt", nil),
        ("/v1/completions", #"{"prompt": "a", "model": "gpt-4"}"#, 404, "model", "model_not_found"),
        ("/v1/completions", #"{"prompt": "a", "stop": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"]}"#, 400, "stop", nil),
        ("/v1/completions", #"{"prompt": "a", "max_tokens": 4, "max_new_tokens": 5}"#, 400, "max_new_tokens", nil),
        ("/v1/completions", #"{"prompt": "a", "num_beams": 2, "decoder": {"name": "greedy"}}"#, 400, "num_beams", nil),
        ("/v1/completions", #"{"prompt": "a", "repetition_penalty": 0}"#, 400, "repetition_penalty", nil),
        ("/v1/completions", #"{"prompt": "a", "logit_bias": {"x": 1}}"#, 400, "logit_bias.x", nil),
        ("/v1/completions", #"{"prompt": "a", "logprobs": 21}"#, 400, "logprobs", nil),
        ("/v1/completions", #"{"prompt": "a", "decoder": {"name": "nope"}}"#, 400, "decoder", nil),
        ("/v1/completions", #"{"prompt": "a", "decoder": {"name": "greedy"}, "temperature": 0}"#, 400, "temperature", nil),
        ("/v1/completions", #"{"prompt": "a", "decoder": {"name": "beam", "parameters": {"numBeams": "x"}}}"#, 400, "decoder", nil),
        ("/v1/chat/completions", #"{"messages": [{"role": "robot", "content": "hi"}]}"#, 400, "messages[0].role", nil),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi", "mood": 1}]}"#, 400, "messages[0].mood", "unknown_field"),
        ("/v1/chat/completions", #"{"messages": []}"#, 400, "messages", nil),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": {"enable_thinking": 1}}"#, 400, "chat_template_kwargs.enable_thinking", "invalid_type"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": {"bos_token": "x"}}"#, 400, "chat_template_kwargs.bos_token", nil),
        ("/tokenize", #"{"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": []}"#, 400, "chat_template_kwargs", "invalid_type"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "stream": true, "logprobs": true}"#, 400, "logprobs", nil),
        ("/v1/completions", #"{"prompt": "a", "stream": true, "logprobs": 1}"#, 400, "logprobs", nil),
        ("/v1/completions", #"{"prompt": ["a", "b"], "stream": true}"#, 400, "prompt", nil),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "top_logprobs": 2}"#, 400, "top_logprobs", nil),
        ("/v1/score", #"{"context": "a", "continuations": []}"#, 400, "continuations", nil),
        ("/v1/score", #"{"context": "a", "continuations": [7]}"#, 400, "continuations[0]", "invalid_type"),
        ("/tokenize", #"{"text": "a"}"#, 400, "prompt", nil),
        ("/detokenize", #"{"tokens": [1, 99999999]}"#, 400, "tokens[1]", "token_out_of_vocabulary"),
    ]

    @Test func requestsOutsideTheAPIGetOpenAIErrorsNamingTheField() async throws {
        try await ServerTestModel.withServer { _, client in
            for (route, body, status, param, code) in Self.badRequests {
                let reply = try await client.post(route, body)
                #expect(reply.status == status, "\(route) \(body): \(reply.text)")
                #expect(reply.errorParam == param, "\(route) \(body): \(reply.text)")
                if let code { #expect(reply.errorCode == code, "\(route) \(body): \(reply.text)") }
                #expect(reply.error["message"] is String && reply.error["type"] is String)
            }
            let missing = try await client.get("/v2/nothing")
            #expect(missing.status == 404 && missing.errorCode == "unknown_route")
        }
    }

    @Test func bodiesOverTheLimitGet413() async throws {
        try await ServerTestModel.withServer(ServerOptions(maxBodyBytes: 1024)) { _, client in
            let big = #"{"prompt": ""# + String(repeating: "a", count: 2000) + #""}"#
            let reply = try await client.post("/v1/completions", big)
            #expect(reply.status == 413 && reply.errorCode == "body_too_large")
        }
    }

    @Test func anAPIKeyGuardsEveryRouteButHealth() async throws {
        try await ServerTestModel.withServer(ServerOptions(apiKey: "sekrit-key")) { _, client in
            #expect(try await client.get("/health").status == 200)
            let none = try await client.get("/v1/models")
            #expect(none.status == 401 && none.errorCode == "invalid_api_key")
            for wrong in ["Bearer sekrit-ke", "Bearer sekrit-key2", "sekrit-key", "Bearer "] {
                #expect(try await client.get("/v1/models", headers: [.authorization: wrong]).status == 401, "\(wrong)")
            }
            #expect(try await client.get("/v1/models", headers: [.authorization: "Bearer sekrit-key"]).status == 200)
            #expect(try await client.get("/metrics").status == 401)
        }
    }

    @Test func aFullQueueGets429WithRetryAfter() async throws {
        try await ServerTestModel.withServer(ServerOptions(maxConcurrentRequests: 1, maxQueuedRequests: 0)) { server, client in
            let gate = DispatchSemaphore(value: 0)
            let busy = Task { try await server.workers.run { _ in gate.wait() } }
            #expect(await RequestWorkersTests.eventually { server.workers.depth.running == 1 })
            let reply = try await client.post("/v1/completions", json: ["prompt": "a", "max_tokens": 1])
            gate.signal()
            try await busy.value
            #expect(reply.status == 429 && reply.errorCode == "queue_full")
            #expect(reply.headers[.retryAfter] == "1")
            #expect(try await client.post("/v1/completions", json: ["prompt": "a", "max_tokens": 1]).status == 200)
        }
    }

    @Test func afterShutdownBeginsNewRequestsGet503() async throws {
        try await ServerTestModel.withServer { server, client in
            server.beginShutdown()
            let reply = try await client.post("/v1/completions", json: ["prompt": "a", "max_tokens": 1])
            #expect(reply.status == 503 && reply.errorCode == "shutting_down" && reply.headers[.retryAfter] != nil)
        }
    }

    /// Concurrent requests share forward passes and still get, bit for bit, what they get alone; shared prompt
    /// beginnings are computed once; and the KV cache is given back when the server falls idle.
    @Test func concurrentRequestsAreBatchedAndBitwiseTheirSoloResults() async throws {
        let preamble = String(repeating: "Answer each question with one word. ", count: 6)
        let bodies: [String] = try (0..<8).map { i in
            let body: [String: Any] = i % 2 == 0
                ? ["prompt": "\(preamble)Question \(i): what colour is the sky? Answer:", "max_tokens": 8, "temperature": 0, "logprobs": 1]
                : ["prompt": "\(preamble)Question \(i): name a fruit. Answer:", "max_tokens": 0, "echo": true, "logprobs": 2]
            return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        }
        try await ServerTestModel.withServer(ServerOptions(idleRelease: 0.2)) { server, client in
            var solo: [String] = []
            for body in bodies {
                let reply = try await client.post("/v1/completions", body)
                #expect(reply.status == 200, "\(reply.text)")
                solo.append(try Self.canonicalChoices(reply))
            }
            let before = server.engine.model.currentStatistics
            let together = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (i, body) in bodies.enumerated() {
                    group.addTask { (i, try Self.canonicalChoices(try await client.post("/v1/completions", body))) }
                }
                var out = [String](repeating: "", count: bodies.count)
                for try await (i, text) in group { out[i] = text }
                return out
            }
            #expect(together == solo)
            let after = server.engine.model.currentStatistics
            #expect(after.largestBatch > 1, "concurrent requests never shared a pass")
            #expect(after.batches - before.batches < after.calls - before.calls)

            // A prompt longer than the initial cache grows it; idle, the server gives it back.
            let long = String(repeating: "one two three four ", count: 160)
            #expect(try await client.post("/v1/completions", json: ["prompt": long, "max_tokens": 1]).status == 200)
            let usage = { server.engine.kvCacheUsage! }
            // Back to the initial capacity: room for 512 tokens.
            #expect(await RequestWorkersTests.eventually { usage().blocksInUse == 0 && usage().blockCapacity * usage().blockSize == 512 },
                    "idle: \(usage())")
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains(#"sequitur_requests_total{route="/v1/completions",status="200"}"#))
            #expect(metrics.contains("sequitur_kv_blocks_in_use 0.0") && metrics.contains("sequitur_batch_size_bucket"))
        }
    }

    /// A prompt that begins like the one before reuses its KV blocks: only the new tokens go through the model,
    /// and the answer is bitwise the one a cold server gives.
    @Test func sharedPromptBeginningsAreComputedOnce() async throws {
        let preamble = String(repeating: "You are a helpful assistant who answers briefly. ", count: 4)
        let first = try Self.json(["prompt": preamble + "Q: What is two plus two? A:", "max_tokens": 3, "temperature": 0, "logprobs": 1])
        let second = try Self.json(["prompt": preamble + "Q: Name a colour. A:", "max_tokens": 3, "temperature": 0, "logprobs": 1])
        let cold = try await ServerTestModel.withServer { _, client in
            try Self.canonicalChoices(try await client.post("/v1/completions", second))
        }
        let rt = try ServerTestModel.runtime()
        let secondLength = rt.tokenizer.encode(preamble + "Q: Name a colour. A:").count
        try await ServerTestModel.withServer(ServerOptions(idleRelease: 30)) { server, client in
            #expect(try await client.post("/v1/completions", first).status == 200)
            let before = server.engine.model.processedTokenCount
            let warm = try Self.canonicalChoices(try await client.post("/v1/completions", second))
            let processed = server.engine.model.processedTokenCount - before
            #expect(warm == cold, "reused blocks give the same numbers")
            // Prefill of the new part, 3 decode steps, and the log-prob pass over the last prompt token and output.
            #expect(processed < secondLength / 2, "processed \(processed) tokens for a \(secondLength)-token prompt")
        }
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// The choices of a reply as canonical JSON (ids and timestamps differ between replies).
    static func canonicalChoices(_ reply: JSONReply) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: reply.json["choices"] ?? [], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
