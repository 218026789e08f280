import ArgumentParser
import Foundation
import Sequitur

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score log Pr(continuation | context), for one pair or a JSONL file of requests.",
        discussion: """
            One pair:       sequitur score "The capital of France is" " Paris"
            A file:         sequitur score --input requests.jsonl --output scores.jsonl [--resume] [--shard I/N]
            Conversations:  sequitur score --conversations chats.jsonl --output scores.jsonl

            Each input line is {"id", "context", "continuation"} (text) or {"id", "context_ids", \
            "continuation_ids"} (token ids). Text is split the way lm-evaluation-harness splits it: context and \
            continuation are encoded together and the tokens after the context's own encoding are the \
            continuation, so a leading space belongs to the continuation. Each output line is {"id", "logprob", \
            "token_logprobs", "is_greedy", "n_tokens"}. An empty continuation scores 0 (Pr = 1).

            With --conversations each line is {"id", "messages": [{"role", "content"}, ...]}, rendered with the \
            model's chat template and scored in one forward pass; each output line is {"id", "logprob", \
            "n_tokens", "turns": [{"message_index", "logprob", "token_logprobs", "token_span", "n_tokens", \
            "is_greedy"}]}: log Pr(y_k | history) for every assistant turn k, and their sum (the SFT objective). \
            System, user and template-markup tokens are not scored; the end-of-turn marker (<|im_end|>) is part \
            of each assistant span unless --exclude-end-of-turn is given.

            Output lines are written whole and flushed batch by batch; --resume skips ids already written (and \
            cuts a torn last line). --shard I/N takes every N-th request starting at I, so N jobs together cover \
            the input; `sequitur merge` joins their outputs in input order after checking that every id is there \
            once and every shard came from the same input, model and configuration (docs/cluster.md).
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "Context text (with CONTINUATION; omit both with --input).") var context: String?
    @Argument(help: "Continuation text.") var continuation: String?
    @Option(help: ArgumentHelp("JSONL file of requests.", valueName: "file")) var input: String?
    @Option(help: ArgumentHelp("JSONL file of conversations to score turn by turn.", valueName: "file")) var conversations: String?
    @Option(help: ArgumentHelp("JSONL file for the results (required with --input or --conversations).", valueName: "file")) var output: String?
    @Flag(help: "With --conversations: leave each assistant turn's end-of-turn marker out of its span.") var excludeEndOfTurn = false
    @OptionGroup var template: ChatTemplateOptions
    @Option(help: ArgumentHelp("Scoring strategy (default: the configuration's, else shared-prefix).", valueName: "name"))
    var strategy: ScorerStrategy?
    @Option(help: ArgumentHelp("Requests per batched model call.", valueName: "n")) var batchSize = 16
    @Flag(help: "Continue an interrupted run: skip the ids already in --output.") var resume = false
    @Option(help: ArgumentHelp("Take every N-th request starting at I (0-based).", valueName: "I/N")) var shard: String?
    @Flag(help: "Print JSON instead of a table (single pair).") var json = false

    /// What the arguments ask for; `validate()` rejects a mix before the model loads and `run()` switches on it.
    enum Mode {
        /// One pair from the command line, printed as a table (or one JSON object with --json).
        case pair(context: String, continuation: String)
        /// `--input` requests, one result line each in `--output`.
        case requests(JSONLJob)
        /// `--conversations`, one line per conversation with a score for each assistant turn.
        case conversations(JSONLJob)
    }

    func mode() throws -> Mode {
        if let conversations {
            guard input == nil, context == nil else { throw ValidationError("give --conversations alone, without --input or CONTEXT") }
            guard let output else { throw ValidationError("--conversations needs --output FILE") }
            return .conversations(try job(input: conversations, output: output))
        }
        guard !excludeEndOfTurn else { throw ValidationError("--exclude-end-of-turn goes with --conversations") }
        guard template.templateVariables.isEmpty else { throw ValidationError("--template-variable goes with --conversations") }
        guard let input else {
            guard let context, let continuation else { throw ValidationError("give CONTEXT and CONTINUATION, or --input FILE --output FILE") }
            guard output == nil, !resume, shard == nil else { throw ValidationError("--output, --resume and --shard go with --input") }
            return .pair(context: context, continuation: continuation)
        }
        guard context == nil else { throw ValidationError("give either CONTEXT CONTINUATION or --input, not both") }
        guard let output else { throw ValidationError("--input needs --output FILE") }
        return .requests(try job(input: input, output: output))
    }

    /// A bad `--shard` is reported as `--shard 'x': expected I/N, …` before the model loads.
    private func job(input: String, output: String) throws -> JSONLJob {
        JSONLJob(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output), resume: resume,
                 shard: try shard.map(JSONLJob.Shard.init(parsing:)))
    }

    func validate() throws {
        _ = try mode()
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let mode = try mode()
        let rt = try runtime.runtime { c in
            if let strategy { c.scorer = strategy }
        }
        switch mode {
        case let .conversations(job):
            try scoreConversations(rt, job: job)
        case let .requests(job):
            try scoreRequests(rt, job: job)
        case let .pair(context, continuation):
            try scorePair(rt, context: context, continuation: continuation)
        }
    }

    private func scorePair(_ rt: ModelRuntime, context: String, continuation: String) throws {
        let request = try rt.splitter.request(id: "0", context: context, continuation: continuation)
        try ScoringInput.check(request, model: rt.model, where: "request")
        let result = try rt.makeScorer(batchSize: batchSize).score([request], model: rt.model)[0]
        if json {
            try printJSON(ScoreLine(result))
            return
        }
        print(String(format: "log Pr(continuation | context) = %.6f over %d tokens%@", result.logProb, result.tokenCount,
                     result.isGreedy ? " (greedy: every token was the argmax)" : ""))
        print("  pos  token  piece                 log-prob")
        for (i, token) in request.continuation.enumerated() {
            let piece = rt.tokenizer.readablePiece(for: token)
            print(String(format: "  %3d  %5d  %@  %9.4f", i, token, piece.padding(toLength: 20, withPad: " ", startingAt: 0), result.tokenLogProbs[i]))
        }
    }

    private func scoreRequests(_ rt: ModelRuntime, job: JSONLJob) throws {
        let splitter = rt.splitter
        let scorer = rt.makeScorer(batchSize: batchSize)
        // The strategy is recorded although the scorers agree: they agree to rounding, not to the bit.
        let recipe = try rt.jobRecipe(command: "score", settings: ["scorer": .string(rt.configuration.scorer.rawValue)])
        try run(job, label: "score", recipe: recipe,
                parse: { object, _ in try ScoringInput.parse(object, splitter: splitter, model: rt.model) }) { batch in
            let results = try scorer.score(batch.map(\.request), model: rt.model)
            let tokens = batch.reduce(0) { $0 + $1.request.context.count + $1.request.continuation.count }
            return (results.map(ScoreLine.init), tokens)
        }
    }

    private func scoreConversations(_ rt: ModelRuntime, job: JSONLJob) throws {
        let variables = try template.variables()
        let renderer = try ChatTemplateConversationRenderer(gguf: rt.file, tokenizer: rt.tokenizer, extraVariables: variables)
        let scorer = ConversationScorer(includeEndOfTurn: !excludeEndOfTurn, batchSize: batchSize)
        var settings: [String: ConfigValue] = ["exclude_end_of_turn": .bool(excludeEndOfTurn)]
        // Part of the recipe only when given, so that earlier jobs' manifests still match.
        if !variables.isEmpty { settings["template_variables"] = try ConfigValue(encoding: variables) }
        let recipe = try rt.jobRecipe(command: "score --conversations", settings: settings)
        try run(job, label: "conversations", recipe: recipe,
                parse: { object, _ in try ConversationInput.parse(object, scorer: scorer, renderer: renderer, model: rt.model) }) { batch in
            let scores = try scorer.score(layouts: batch.map(\.request), model: rt.model)
            let tokens = scores.reduce(0) { $0 + $1.fedTokenCount }
            return (zip(batch, scores).map { ConversationScoreLine(id: $0.id, score: $1) }, tokens)
        }
    }

    private func run<Request, Line: Encodable>(_ job: JSONLJob, label: String, recipe: JobRecipe,
                                               parse: ([String: Any], Int) throws -> (id: String, request: Request),
                                               process: ([JSONLJob.Item<Request>]) throws -> (lines: [Line], tokens: Int)) throws {
        try job.runFromCommandLine(label: label, recipe: recipe, batchSize: batchSize, parse: parse, process: process)
    }
}

