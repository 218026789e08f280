// Registers a decoder written outside the Sequitur package, builds it from a configuration by name like the
// standard ones, and runs it beside greedy on the seeds' worked example and on a random toy model.
import Foundation
import Sequitur
import SequiturTesting

var registry = DecoderRegistry.standard
registry.register(
    name: "lookahead", summary: "greedy with one token of lookahead",
    parameters: [ParameterSpec("width", .integer, default: 3, help: "candidates looked past at each step")],
    capabilities: .streamsTokens
) { configuration in
    try LookaheadDecoder(width: try configuration.integer("width"))
}

print("Registered decoders:")
for entry in registry.all {
    print("  \(entry.name): \(entry.summary) [\(entry.capabilities.names.joined(separator: ", "))]")
    for p in entry.parameters { print("      \(p.name) (\(p.kind), default \(p.defaultValue)): \(p.help)") }
}

let lookahead = try registry.make(DecoderConfiguration(name: "lookahead", parameters: ["width": 2]))
let greedy = try registry.make(DecoderConfiguration(name: "greedy"))

/// Decodes, prints the best hypothesis, and returns it; a decoder that returns nothing is a failure.
@discardableResult
func show(_ decoder: any Decoder, _ request: DecodingRequest, _ model: any LanguageModel) throws -> Hypothesis {
    guard let best = try decoder.decode(request, model: model).best else {
        fail("\(decoder.name) returned no hypothesis")
    }
    let text = model.vocabulary.text(of: best.tokens)
    let score = (best.logProb * 1000).rounded() / 1000
    let label = decoder.name + String(repeating: " ", count: max(0, 10 - decoder.name.count))
    print("  \(label) \"\(text)\"  log Pr = \(score)  (\(best.finishReason))")
    return best
}

/// CI runs this example: any wrong result ends it with a non-zero status.
func fail(_ message: String) -> Never {
    print("FAILED: \(message)")
    exit(1)
}

let seed = TableLanguageModel.seedExample()
let seedRequest = DecodingRequest(prompt: seed.seedPrompt, stop: StopConditions(maxNewTokens: 2, stopOnEndToken: false))
print("\nAfter \"\(seed.vocabulary.text(of: seed.seedPrompt))\":")
let greedyBest = try show(greedy, seedRequest, seed)
let lookaheadBest = try show(lookahead, seedRequest, seed)
// The seeds' worked example: greedy takes "warm" (-0.9) and ends on -2.4; looking one token ahead finds -2.3.
guard abs(greedyBest.logProb - -2.4) < 1e-6, abs(lookaheadBest.logProb - -2.3) < 1e-6 else {
    fail("expected greedy -2.4 and lookahead -2.3, got \(greedyBest.logProb) and \(lookaheadBest.logProb)")
}

let random = RandomLanguageModel(seed: 7, vocabularySize: 10)
let randomRequest = DecodingRequest(prompt: [0, 1, 2], stop: StopConditions(maxNewTokens: 8))
print("\nOn RandomLanguageModel(seed: 7):")
for name in ["greedy", "lookahead", "beam"] {
    let best = try show(registry.make(DecoderConfiguration(name: name)), randomRequest, random)
    guard (1...8).contains(best.tokens.count) else { fail("\(name) returned \(best.tokens.count) tokens") }
}

// A third-party logit processor, registered and built by name like the standard ones, under greedy, beam
// search and the lookahead decoder: every hypothesis, each beam's included, must keep its rule.
var processors = ProcessorRegistry.standard
processors.register(name: "no-immediate-repeat", summary: "forbids the same token twice in a row", parameters: []) { _ in
    NoImmediateRepeatProcessor()
}
print("\nWith the no-immediate-repeat processor (registered outside the package):")
let repeating = RandomLanguageModel(seed: 3, vocabularySize: 5, spread: 1)
let noRepeat = try processors.make([ProcessorConfiguration(name: "no-immediate-repeat")])
let processedRequest = DecodingRequest(prompt: [0, 1], stop: StopConditions(maxNewTokens: 10),
                                       processors: noRepeat)
for name in ["greedy", "beam", "lookahead"] {
    let decoder = try registry.make(DecoderConfiguration(name: name, parameters: name == "beam" ? ["numReturnSequences": 4] : [:]))
    _ = try show(decoder, processedRequest, repeating)
    for h in try decoder.decode(processedRequest, model: repeating).hypotheses {
        let sequence = [processedRequest.prompt.last!] + h.tokens
        if zip(sequence, sequence.dropFirst()).contains(where: { $0 == $1 }) {
            fail("\(name) repeated a token under no-immediate-repeat: \(h.tokens)")
        }
        // Processors steer the choice; the hypothesis records the model's own log-probs.
        let own = repeating.logProb(of: h.tokens, after: processedRequest.prompt)
        if abs(h.logProb - own) > 1e-4 { fail("\(name) recorded \(h.logProb), the model says \(own)") }
    }
}
let unprocessed = try greedy.decode(DecodingRequest(prompt: [0, 1], stop: processedRequest.stop), model: repeating).best!.tokens
print("  (greedy without it: \(repeating.vocabulary.text(of: unprocessed)))")

print("\nThe request's rules, honoured as the built-in decoders honour them:")
try checkRequestRules(lookahead: LookaheadDecoder(width: 2), greedyTwin: LookaheadDecoder(width: 1), greedy: greedy)

do {
    _ = try registry.make(DecoderConfiguration(name: "lookahead", parameters: ["width": 0]))
    fail("width 0 was accepted")
} catch {
    print("\nA bad configuration is reported by field: \(error)")
}
print("\nOK")
