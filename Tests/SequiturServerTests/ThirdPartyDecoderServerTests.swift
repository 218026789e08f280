import Foundation
import Sequitur
import SequiturServer
import Testing

/// A decoder written outside Sequitur: at each step it takes the second most likely token. Registered in the
/// server's `DecoderRegistry`, it runs through `decoder: {name, parameters}` and the continuous batching like a
/// built-in one.
struct RunnerUpDecoder: Decoder {
    var name: String { "runner-up" }

    func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let state = request.prefixState?.fork() ?? model.makeState()
        var feed = Array(request.prompt[state.count...])
        var tokens: [TokenID] = []
        var logProbs: [Float] = []
        while tokens.count < request.stop.maxNewTokens {
            let answer = try model.extend([ExtensionRequest(state: state, tokens: feed, lastQuery: PositionQuery(topK: 2))])[0].last!
            let pick = answer.topK[1]
            tokens.append(pick.token)
            logProbs.append(pick.logProb)
            feed = [pick.token]
        }
        return DecodingResult(hypotheses: [Hypothesis(tokens: tokens, tokenLogProbs: logProbs, finishReason: .length)])
    }
}

extension ServerRouteTests {
    @Test func aThirdPartyDecoderRunsThroughTheDecoderField() async throws {
        var decoders = DecoderRegistry.standard
        decoders.register(name: "runner-up", summary: "the second most likely token at each step", parameters: []) { _ in
            RunnerUpDecoder()
        }
        let rt = try ServerTestModel.runtime()
        let prompt = rt.tokenizer.encode(context)
        let direct = try RunnerUpDecoder().decode(DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 5)),
                                                  model: rt.model).best!
        let expectedText = rt.tokenizer.decode(direct.tokens, skipSpecial: true)
        try await ServerTestModel.withServer(decoders: decoders) { [context] _, client in
            let reply = try await client.post("/v1/completions", json: [
                "prompt": context, "max_tokens": 5, "logprobs": 1, "decoder": ["name": "runner-up"],
            ])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.choices.first?["text"] as? String == expectedText)
            let logprobs = reply.choices.first?["logprobs"] as? [String: Any] ?? [:]
            #expect(floats(logprobs["token_logprobs"]).map { $0! } == direct.tokenLogProbs)
            let unknown = try await client.post("/v1/completions", json: ["prompt": context, "decoder": ["name": "runner-down"]])
            #expect(unknown.status == 400 && unknown.errorParam == "decoder" && unknown.error["message"].map { "\($0)" }?.contains("runner-up") == true,
                    "the error lists the registered names: \(unknown.text)")
        }
    }
}
