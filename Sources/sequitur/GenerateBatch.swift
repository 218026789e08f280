import Foundation
import Sequitur

/// `generate --input PROMPTS.jsonl --output OUT.jsonl [--resume] [--shard I/N]`: every prompt decoded with the
/// same decoder, one line each, through the same resumable, shardable job as `score`.
extension GenerateCommand {
    /// `{"id", "hypotheses", "certificate"?, "prompt_tokens"}`: the `--json` object of one prompt, with its id.
    struct BatchLine: Encodable {
        var id: String
        var output: Output

        private enum CodingKeys: String, CodingKey { case id }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try output.encode(to: encoder)
        }
    }

    func runBatch(_ job: JSONLJob) throws {
        let rt = try runtime.runtime { try decoding.apply(to: &$0) }
        let decoder = try rt.makeDecoder()
        let stop = rt.configuration.stop
        // A sampling decoder draws from its seed afresh for every prompt, so a line does not depend on which
        // shard or batch it ran in, and the seed (a decoder parameter) is part of the recipe.
        var settings: [String: ConfigValue] = [
            "decoder": try ConfigValue(encoding: rt.configuration.decoder),
            "stop": try ConfigValue(encoding: stop),
            "processors": try ConfigValue(encoding: rt.configuration.processors),
            "chat": .bool(chat),
        ]
        // Part of the recipe only when given, so that earlier jobs' manifests still match.
        let variables = try template.variables()
        if !variables.isEmpty { settings["template_variables"] = try ConfigValue(encoding: variables) }
        let recipe = try rt.jobRecipe(command: "generate", settings: settings)
        let processors = try rt.makeProcessors()
        // One prompt per batch: a decode takes long, and each finished line is then on disk before the next starts.
        try job.runFromCommandLine(label: "generate", recipe: recipe, batchSize: 1, parse: { object, _ in
            try PromptInput.parse(object, runtime: rt, chat: chat, stop: stop, templateVariables: variables)
        }) { batch in
            var generated = 0
            let lines = try batch.map { item -> BatchLine in
                // No `shouldStop` here: a decode cut short would be written as a finished line that --resume then
                // skips. Ctrl-C stops the job between prompts instead, with every written line whole.
                let result = try decoder.decode(DecodingRequest(prompt: item.request, stop: stop, processors: processors), model: rt.model)
                generated += result.hypotheses.reduce(0) { $0 + $1.tokens.count }
                let hypotheses = Output.items(result, tokenizer: rt.tokenizer)
                return BatchLine(id: item.id, output: Output(hypotheses: hypotheses, certificate: result.certificate.map(Self.describe),
                                                             prompt_tokens: item.request.count))
            }
            return (lines, generated)
        }
    }
}
