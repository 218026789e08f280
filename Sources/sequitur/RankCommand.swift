import ArgumentParser
import Foundation
import Sequitur

struct RankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Rank the choices of a multiple-choice question by log-probability after a shared context.",
        discussion: """
            sequitur rank "The capital of France is" Paris London Berlin
            sequitur rank --input questions.jsonl      (lines: {"id", "context", "choices": [...], "label"?})
            sequitur rank --input questions.jsonl --output ranks.jsonl [--resume] [--shard I/N]

            Each choice is scored as " " + choice after the context (lm-evaluation-harness's target delimiter). \
            acc picks the highest total log-prob; acc_norm the highest log-prob per character of the choice (the \
            harness's definition); per-byte divides by UTF-8 bytes instead. The context is prefilled once and \
            every choice forks from it (shared-prefix scoring). With labels, accuracy over the file is reported.
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "The context, then two or more choices.") var texts: [String] = []
    @Option(help: ArgumentHelp("JSONL file of questions.", valueName: "file")) var input: String?
    @Option(help: ArgumentHelp("Text put between the context and each choice.", valueName: "text")) var delimiter = " "
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var batch: ResumableOutputOptions

    /// What the arguments ask for; `validate()` rejects a mix before the model loads and `run()` switches on it.
    enum Mode {
        /// One question from the command line.
        case question(context: String, choices: [String])
        /// A JSONL file of questions, one result line each on standard output.
        case questions(file: String)
        /// A JSONL file of questions, one result line each in `--output`: resumable and shardable.
        case questionsToFile(JSONLJob)
    }

    func mode() throws -> Mode {
        if let input {
            guard texts.isEmpty else { throw ValidationError("give either CONTEXT CHOICE... or --input, not both") }
            if let job = try batch.job(input: input) { return .questionsToFile(job) }
            return .questions(file: input)
        }
        _ = try batch.job(input: nil)
        guard let context = texts.first, texts.count >= 3 else { throw ValidationError("give a CONTEXT and at least two CHOICES, or --input FILE") }
        return .question(context: context, choices: Array(texts.dropFirst()))
    }

    func validate() throws {
        _ = try mode()
    }

    struct Line: Encodable {
        var id: String
        var choices: [String]
        var logprobs: [Double]
        var acc_prediction: Int?
        var acc_norm_prediction: Int?
        var per_byte_prediction: Int?
        var label: Int?
    }

    func run() throws {
        let rt = try runtime.runtime { $0.scorer = .sharedPrefix }
        let ranker = MultipleChoiceRanker(scorer: rt.makeScorer(), splitter: rt.splitter)
        switch try mode() {
        case let .question(context, choices):
            try rank(context: context, choices: choices, ranker: ranker, model: rt.model)
        case let .questions(file):
            try rank(file: file, ranker: ranker, model: rt.model)
        case let .questionsToFile(job):
            try rankBatch(job, ranker: ranker, runtime: rt)
        }
    }

    private func rank(context: String, choices: [String], ranker: MultipleChoiceRanker, model: any LanguageModel) throws {
        let ranking = try ranker.rank(context: context, choices: choices, delimiter: delimiter, model: model)
        let line = Line(id: "0", choices: choices, logprobs: ranking.choices.map(\.logProb),
                        acc_prediction: ranking.bestByLogProb, acc_norm_prediction: ranking.bestByLogProbPerCharacter,
                        per_byte_prediction: ranking.bestByLogProbPerByte, label: nil)
        if json { try printJSON(line); return }
        print("rank  log-prob   per-char   per-byte  choice")
        for (rank, i) in ranking.orderByLogProb.enumerated() {
            let c = ranking.choices[i]
            print(String(format: "%4d  %8.4f  %9.4f  %9.4f  %@", rank + 1, c.logProb, c.logProbPerCharacter, c.logProbPerByte, c.text))
        }
        print("acc: \(ranking.bestByLogProb.map { ranking.choices[$0].text } ?? "-")   acc_norm: \(ranking.bestByLogProbPerCharacter.map { ranking.choices[$0].text } ?? "-")")
    }

    private func rank(file input: String, ranker: MultipleChoiceRanker, model: any LanguageModel) throws {
        // Every line is read and checked first: a bad line anywhere stops the run before any result is printed.
        let questions = try JSONLJob.readItems(of: URL(fileURLWithPath: input)) { object, _ in
            try RankingInput.parse(object, ranker: ranker, delimiter: delimiter, model: model)
        }
        var correct = 0, correctNorm = 0, labelled = 0
        for item in questions {
            let question = item.request
            let ranking: MultipleChoiceRanking
            do { ranking = try ranker.rank(question.requests, choices: question.choices, model: model) } catch {
                throw JSONLJobError.badLine(file: input, line: item.line, reason: "\(error)")
            }
            if let label = question.label {
                labelled += 1
                if ranking.bestByLogProb == label { correct += 1 }
                if ranking.bestByLogProbPerCharacter == label { correctNorm += 1 }
            }
            try printJSON(Line(id: item.id, choices: question.choices, logprobs: ranking.choices.map(\.logProb),
                               acc_prediction: ranking.bestByLogProb, acc_norm_prediction: ranking.bestByLogProbPerCharacter,
                               per_byte_prediction: ranking.bestByLogProbPerByte, label: question.label), pretty: false)
        }
        if labelled > 0 {
            FileHandle.standardError.write(Data(String(format: "acc %.4f  acc_norm %.4f  over %d labelled questions\n",
                                                       Double(correct) / Double(labelled), Double(correctNorm) / Double(labelled), labelled).utf8))
        }
    }
}
