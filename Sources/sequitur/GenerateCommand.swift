import ArgumentParser
import Foundation
import Sequitur

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Decode a continuation of PROMPT with a decoder chosen by name or configuration.",
        discussion: """
            sequitur generate "The capital of France is"                      greedy, streamed
            sequitur generate --beams 4 --max-new-tokens 24 "Once upon a time"  beam search, 4-best
            sequitur generate --decoder exhaustive --max-new-tokens 6 "The cat sat on the"
            sequitur generate --decoder sampling --param temperature=0.8 --param seed=7 --chat "Write a haiku"
            sequitur generate --input prompts.jsonl --output out.jsonl [--resume] [--shard I/N]

            Decoders that stream tokens (greedy, sampling) print them as they are chosen; the others print the \
            n-best with their scores (log Pr(y|x), and the length-penalised score beam search ranked by). \
            `sequitur decoders` lists every decoder's capabilities and parameters.

            With --input, each line is {"id", "prompt"} and each output line is the --json object of that \
            prompt with its id: {"id", "hypotheses", "certificate", "prompt_tokens"}. Lines are written whole; \
            --resume skips ids already written and --shard I/N takes every N-th prompt (`sequitur merge` joins \
            the shards).
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "The prompt ('-' reads standard input; omit it with --input).") var prompt: String?
    @Option(help: ArgumentHelp("JSONL file of prompts, {\"id\", \"prompt\"} (with --output).", valueName: "file")) var input: String?
    @OptionGroup var batch: ResumableOutputOptions
    @OptionGroup var decoding: DecodingOptions
    @Flag(help: "Wrap the prompt as a user message with the model's chat template.") var chat = false
    @OptionGroup var template: ChatTemplateOptions
    @Flag(help: "Print one JSON object with the hypotheses.") var json = false

    struct Output: Encodable {
        struct Item: Encodable {
            var ids: [Int32]
            var text: String
            var score: Double
            var logprob: Double
            var token_logprobs: [Float]
            var finish_reason: String
            /// Stochastic beam search's estimate that this output is in a sample of its size (absent otherwise).
            var inclusion_probability: Double?
        }
        var hypotheses: [Item]
        var certificate: String?
        var prompt_tokens: Int

        /// Each hypothesis of `result` as a JSON item, its text decoded without control tokens.
        static func items(_ result: DecodingResult, tokenizer: BPETokenizer) -> [Item] {
            result.hypotheses.enumerated().map { i, h in
                Item(ids: h.tokens, text: tokenizer.decode(h.tokens, skipSpecial: true), score: h.score, logprob: h.logProb,
                     token_logprobs: h.tokenLogProbs, finish_reason: h.finishReason.rawValue,
                     inclusion_probability: result.inclusionProbabilities?[i])
            }
        }
    }

    func run() throws {
        guard chat || template.templateVariables.isEmpty else { throw CommandError("--template-variable goes with --chat") }
        if let job = try batch.job(input: input) {
            guard prompt == nil else { throw CommandError("give either PROMPT or --input, not both") }
            try runBatch(job)
            return
        }
        guard input == nil else { throw CommandError("--input needs --output FILE") }
        guard let prompt else { throw CommandError("give a PROMPT, or --input PROMPTS.jsonl --output OUT.jsonl") }
        var promptText = prompt
        if prompt == "-" {
            guard let s = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8) else {
                throw CommandError("standard input is not valid UTF-8")
            }
            promptText = s
        }
        let rt = try runtime.runtime { try decoding.apply(to: &$0) }
        let dec = try rt.makeDecoder()
        let processors = try rt.makeProcessors()
        let ids: [TokenID]
        if chat {
            ids = try rt.chatPrompt([ChatMessage(role: "user", content: promptText)], extraVariables: try template.variables())
        } else {
            ids = rt.tokenizer.encode(promptText)
        }
        let stop = rt.configuration.stop
        // The request's checks (the context length among them) are the decoding plan's; run them before the
        // prompt is echoed, so that an error is not printed after half a line of output.
        _ = try DecodingPlan(DecodingRequest(prompt: ids, stop: stop, processors: processors), model: rt.model)
        let streams = !json && dec.capabilities.contains(.streamsTokens)
        // Control tokens (the end-of-turn marker) end the output; they are not part of its text.
        var detokenizer = StreamingDetokenizer(tokenizer: rt.tokenizer, skipSpecial: true)
        // Ctrl-C stops every decoder at its next model call; what it has is printed, marked "interrupted", and
        // the exit status is 130 as for any interrupted command.
        Interrupt.install()
        if streams, !chat { FileHandle.standardOutput.write(Data(promptText.utf8)) }
        let request = DecodingRequest(prompt: ids, stop: stop, processors: processors, onToken: streams ? { token, _ in
            FileHandle.standardOutput.write(Data(detokenizer.append(token).utf8))
            return !Interrupt.requested
        } : nil, shouldStop: { Interrupt.requested })
        let result = try dec.decode(request, model: rt.model)
        defer { if Interrupt.requested { Self.exitInterrupted() } }
        if streams {
            FileHandle.standardOutput.write(Data((detokenizer.finish() + "\n").utf8))
            if let best = result.best {
                FileHandle.standardError.write(Data(String(format: "[%d tokens, log Pr = %.4f, %@]\n", best.tokens.count, best.logProb, best.finishReason.rawValue).utf8))
            }
            return
        }
        let items = Output.items(result, tokenizer: rt.tokenizer)
        let certificate = result.certificate.map(Self.describe)
        if json {
            try printJSON(Output(hypotheses: items, certificate: certificate, prompt_tokens: ids.count))
            return
        }
        for (i, h) in items.enumerated() {
            let inclusion = h.inclusion_probability.map { String(format: "  inclusion %.3g", $0) } ?? ""
            print(String(format: "#%d  score %.4f  log Pr %.4f  (%d tokens, %@)", i + 1, h.score, h.logprob, h.ids.count, h.finish_reason) + inclusion)
            print("    " + (promptText + h.text).replacingOccurrences(of: "\n", with: "\n    "))
        }
        if let certificate { print("certificate: \(certificate)") }
    }

    /// Exit status 128 + the signal (130 for Ctrl-C) once the partial result is out, as a shell expects of an interrupted command.
    static func exitInterrupted() -> Never {
        try? FileHandle.standardOutput.synchronize()
        Foundation.exit(Interrupt.exitStatus)
    }

    static func describe(_ c: SearchCertificate) -> String {
        switch c {
        case let .provenOptimal(expansions):
            return "proven optimal after \(expansions) expansions"
        case let .budgetExhausted(expansions, best, bound, reason):
            return String(format: "budget exhausted after %d expansions (%@): best found %@, nothing unexplored scores above %.4f",
                          expansions, reason, best.map { String(format: "%.4f", $0) } ?? "none", bound)
        }
    }
}
