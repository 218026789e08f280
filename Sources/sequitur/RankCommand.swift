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
        let data = try Data(contentsOf: URL(fileURLWithPath: input))
        var correct = 0, correctNorm = 0, labelled = 0
        for (index, raw) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            guard !raw.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) else { continue }
            func fail(_ reason: String) -> JSONLJobError { .badLine(file: input, line: lineNumber, reason: reason) }
            guard let o = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any] else { throw fail("not a JSON object") }
            let id: String
            do { id = try JSONLFieldReader.id(o) } catch { throw fail("\(error)") }
            guard let context = o["context"] as? String else { throw fail("field \"context\": expected a string") }
            guard let choices = o["choices"] as? [String], choices.count >= 2 else { throw fail("field \"choices\": expected a list of at least two strings") }
            var label: Int?
            if let l = o["label"] {
                guard let n = l as? Int, choices.indices.contains(n) else { throw fail("field \"label\": expected a choice index 0..<\(choices.count)") }
                label = n
            }
            let ranking: MultipleChoiceRanking
            do { ranking = try ranker.rank(context: context, choices: choices, delimiter: delimiter, model: model) } catch { throw fail("\(error)") }
            if let label {
                labelled += 1
                if ranking.bestByLogProb == label { correct += 1 }
                if ranking.bestByLogProbPerCharacter == label { correctNorm += 1 }
            }
            try printJSON(Line(id: id, choices: choices, logprobs: ranking.choices.map(\.logProb), acc_prediction: ranking.bestByLogProb,
                               acc_norm_prediction: ranking.bestByLogProbPerCharacter, per_byte_prediction: ranking.bestByLogProbPerByte,
                               label: label), pretty: false)
        }
        if labelled > 0 {
            FileHandle.standardError.write(Data(String(format: "acc %.4f  acc_norm %.4f  over %d labelled questions\n",
                                                       Double(correct) / Double(labelled), Double(correctNorm) / Double(labelled), labelled).utf8))
        }
    }
}
