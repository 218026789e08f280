// Registers a decoder written outside the Sequitur package, builds it from a configuration by name like the
// standard ones, and runs it beside greedy on the seeds' worked example and on a random toy model.
import Sequitur
import SequiturTesting

var registry = DecoderRegistry.standard
registry.register(
    name: "lookahead", summary: "greedy with one token of lookahead",
    parameters: [ParameterSpec("width", .integer, default: 3, help: "candidates looked past at each step")]
) { configuration in
    try LookaheadDecoder(width: try configuration.integer("width"))
}

print("Registered decoders:")
for entry in registry.all {
    print("  \(entry.name): \(entry.summary)")
    for p in entry.parameters { print("      \(p.name) (\(p.kind), default \(p.defaultValue)): \(p.help)") }
}

let lookahead = try registry.make(DecoderConfiguration(name: "lookahead", parameters: ["width": 2]))
let greedy = try registry.make(DecoderConfiguration(name: "greedy"))

func show(_ decoder: any Decoder, _ request: DecodingRequest, _ model: any LanguageModel) throws {
    let best = try decoder.decode(request, model: model).best!
    let text = model.vocabulary.text(of: best.tokens)
    let score = (best.logProb * 1000).rounded() / 1000
    let label = decoder.name + String(repeating: " ", count: max(0, 10 - decoder.name.count))
    print("  \(label) \"\(text)\"  log Pr = \(score)  (\(best.finishReason))")
}

let seed = TableLanguageModel.seedExample()
let seedRequest = DecodingRequest(prompt: seed.seedPrompt, stop: StopConditions(maxNewTokens: 2, stopOnEndToken: false))
print("\nAfter \"\(seed.vocabulary.text(of: seed.seedPrompt))\":")
try show(greedy, seedRequest, seed)
try show(lookahead, seedRequest, seed)

let random = RandomLanguageModel(seed: 7, vocabularySize: 10)
let randomRequest = DecodingRequest(prompt: [0, 1, 2], stop: StopConditions(maxNewTokens: 8))
print("\nOn RandomLanguageModel(seed: 7):")
for name in ["greedy", "lookahead", "beam"] {
    try show(registry.make(DecoderConfiguration(name: name)), randomRequest, random)
}

do {
    _ = try registry.make(DecoderConfiguration(name: "lookahead", parameters: ["width": 0]))
} catch {
    print("\nA bad configuration is reported by field: \(error)")
}
