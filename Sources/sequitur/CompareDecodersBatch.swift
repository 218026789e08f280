import Foundation
import Sequitur

/// `compare-decoders --input PROMPTS.jsonl --output OUT.jsonl [--resume] [--shard I/N]`: each prompt's
/// comparison as one line, through the same resumable, shardable job as `score`.
extension CompareDecodersCommand {
    struct BatchLine: Encodable {
        struct Entry: Encodable {
            var decoder: String
            /// nil when the decoder returned nothing.
            var logprob: Double?
            var n_tokens: Int
            /// nil when the exact search ran out of budget, so there is no proven argmax to compare with.
            var found_exact_argmax: Bool?
        }
        var id: String
        var prompt_tokens: Int
        var exact_logprob: Double?
        var exact_proven: Bool
        var decoders: [Entry]
    }

    func runBatch(_ job: JSONLJob) throws {
        let (rt, built, exact) = try contestants()
        let processors = try rt.makeProcessors()
        let stop = rt.configuration.stop
        let recipe = try rt.jobRecipe(command: "compare-decoders", settings: [
            "decoders": .array(built.map { .string($0.0) }),
            "max_expansions": .int(maxExpansions),
            "stop": try ConfigValue(encoding: stop),
            "processors": try ConfigValue(encoding: rt.configuration.processors),
        ])
        try job.runFromCommandLine(label: "compare-decoders", recipe: recipe, batchSize: 1,
                                   parse: { object, _ in try PromptInput.parse(object, runtime: rt, chat: false, stop: stop) }) { batch in
            var generated = 0
            let lines = try batch.map { item -> BatchLine in
                let reference = try exact.decode(DecodingRequest(prompt: item.request, stop: stop, processors: processors), model: rt.model)
                let proven = reference.certificate?.isProvenOptimal == true
                let exactScore = reference.best?.logProb
                let entries = try built.map { spec, decoder -> BatchLine.Entry in
                    let best = try decoder.decode(DecodingRequest(prompt: item.request, stop: stop, processors: processors), model: rt.model).best
                    generated += best?.tokens.count ?? 0
                    // The same tolerance as the table's rate: scores of one output differ by rounding between decoders.
                    let found = proven ? (best?.logProb).map { $0 >= exactScore! - 1e-4 } ?? false : nil
                    return BatchLine.Entry(decoder: spec, logprob: best?.logProb, n_tokens: best?.tokens.count ?? 0, found_exact_argmax: found)
                }
                return BatchLine(id: item.id, prompt_tokens: item.request.count, exact_logprob: exactScore, exact_proven: proven, decoders: entries)
            }
            return (lines, generated)
        }
    }
}
