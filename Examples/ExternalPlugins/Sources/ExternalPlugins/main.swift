// Registers an architecture and a backend written outside the Sequitur package, then runs them through the
// library's own runtime, decoders and scorers, and checks every result against a direct computation.
import Foundation
import Sequitur

/// CI runs this example: any wrong result ends it with a non-zero status.
func fail(_ message: String) -> Never {
    print("FAILED: \(message)")
    exit(1)
}

let url = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-bigram-\(getpid()).gguf")
defer { try? FileManager.default.removeItem(at: url) }
try BigramFile.write(to: url, seed: 11)
let configuration = SequiturConfiguration(model: url.path, backend: "counting", threads: 1)

// Without registration, both names are refused with errors that list what is registered.
do {
    _ = try ModelRuntime(configuration: configuration)
    fail("an unregistered architecture was accepted")
} catch let error as ArchitectureError {
    print("Unregistered architecture: \(error)")
}
var architectures = ArchitectureRegistry.standard
architectures.register(BigramModel.plugin)
do {
    _ = try ModelRuntime(configuration: configuration, architectures: architectures)
    fail("an unregistered backend was accepted")
} catch let error as ConfigurationError {
    print("Unregistered backend: \(error)")
}

var backends = BackendRegistry.standard
backends.register(CountingBackend.plugin)
let runtime = try ModelRuntime(configuration: configuration, backends: backends, architectures: architectures)
guard let counting = runtime.backend as? CountingBackend, runtime.model is BigramModel else {
    fail("the runtime did not build the registered backend and architecture")
}
print("\nArchitectures: \(architectures.names.joined(separator: ", ")); backends: \(backends.names.joined(separator: ", "))")
print("Loaded \(runtime.file.tensors.count) tensor(s) on \(runtime.backend.name)")

// Scoring: log Pr("bc" | "a") is the sum of two table rows' log-softmax entries.
let table = BigramFile.logits(seed: 11)
let v = BigramFile.vocabularySize
func direct(_ from: Int, _ to: Int) -> Double { Double(LogProbMath.logSoftmax(Array(table[from * v..<(from + 1) * v]))[to]) }
let a = runtime.tokenizer.encode("a"), bc = runtime.tokenizer.encode("bc")
guard a == [97], bc == [98, 99] else { fail("byte-level tokenization gave \(a) and \(bc)") }
let score = try SharedPrefixScorer().score([ScoringRequest(id: "0", context: a, continuation: bc)], model: runtime.model)[0]
let expected = direct(97, 98) + direct(98, 99)
print(String(format: "log Pr(\"bc\" | \"a\") = %.6f (direct: %.6f)", score.logProb, expected))
guard abs(score.logProb - expected) < 1e-5 else { fail("score \(score.logProb), direct \(expected)") }

// Decoding: greedy follows the planted preference, byte after byte, and reports the model's log-probs.
let greedy = try DecoderRegistry.standard.make(DecoderConfiguration(name: "greedy"))
let request = DecodingRequest(prompt: a, stop: StopConditions(maxNewTokens: 5))
guard let best = try greedy.decode(request, model: runtime.model).best else { fail("greedy returned nothing") }
let text = runtime.tokenizer.decode(best.tokens)
print("greedy after \"a\": \"\(text)\", log Pr = \(best.logProb)")
guard text == "bcdef" else { fail("greedy gave \"\(text)\", expected \"bcdef\"") }
let chain = zip([97] + best.tokens.dropLast().map(Int.init), best.tokens.map(Int.init)).reduce(0.0) { $0 + direct($1.0, $1.1) }
guard abs(best.logProb - chain) < 1e-5 else { fail("greedy log-prob \(best.logProb), direct \(chain)") }

// The counting backend ran what the bigram model asks for, and nothing a transformer would.
print("backend ops: " + counting.calls.keys.sorted().map { "\($0) \(counting.calls[$0]!)" }.joined(separator: ", "))
guard (counting.calls["embed"] ?? 0) > 0, (counting.calls["logSoftmax"] ?? 0) > 0, counting.calls["matmul"] == nil else {
    fail("unexpected backend ops: \(counting.calls)")
}
print("\nOK")
