import Foundation
import Sequitur

/// `rank --input Q.jsonl --output OUT.jsonl [--resume] [--shard I/N]`: the questions ranked through the same
/// resumable, shardable job as `score`, one `RankCommand.Line` each.
extension RankCommand {
    /// One input line: `{"id", "context", "choices": [...], "label"?}`.
    struct Question {
        var context: String
        var choices: [String]
        var label: Int?

        static func parse(_ o: [String: Any]) throws -> (id: String, request: Question) {
            let id = try JSONLFieldReader.id(o)
            guard let context = try JSONLFieldReader.optionalString(o, "context") else {
                throw JSONLFieldError(field: "context", problem: "missing")
            }
            guard let choices = o["choices"] as? [String], choices.count >= 2 else {
                throw JSONLFieldError(field: "choices", problem: "expected a list of at least two strings")
            }
            var label: Int?
            if let raw = o["label"], !(raw is NSNull) {
                // JSON true would arrive as the number 1: a label must be an integer, not a boolean.
                guard let n = raw as? NSNumber, String(cString: n.objCType) != "c", let index = Int(exactly: n.doubleValue),
                      choices.indices.contains(index) else {
                    throw JSONLFieldError(field: "label", problem: "expected a choice index 0..<\(choices.count)")
                }
                label = index
            }
            return (id, Question(context: context, choices: choices, label: label))
        }
    }

    func rankBatch(_ job: JSONLJob, ranker: MultipleChoiceRanker, runtime rt: ModelRuntime) throws {
        let recipe = try rt.jobRecipe(command: "rank", settings: ["delimiter": .string(delimiter), "scorer": .string(rt.configuration.scorer.rawValue)])
        var labelled = 0, correct = 0, correctNorm = 0
        try job.runFromCommandLine(label: "rank", recipe: recipe, batchSize: 1, parse: { object, _ in try Question.parse(object) }) { batch in
            let lines = try batch.map { item -> Line in
                let q = item.request
                let ranking = try ranker.rank(context: q.context, choices: q.choices, delimiter: delimiter, model: rt.model)
                if let label = q.label {
                    labelled += 1
                    if ranking.bestByLogProb == label { correct += 1 }
                    if ranking.bestByLogProbPerCharacter == label { correctNorm += 1 }
                }
                return Line(id: item.id, choices: q.choices, logprobs: ranking.choices.map(\.logProb), acc_prediction: ranking.bestByLogProb,
                            acc_norm_prediction: ranking.bestByLogProbPerCharacter, per_byte_prediction: ranking.bestByLogProbPerByte,
                            label: q.label)
            }
            return (lines, batch.count)
        }
        if labelled > 0 {
            FileHandle.standardError.write(Data(String(format: "acc %.4f  acc_norm %.4f  over the %d labelled questions of this run\n",
                                                       Double(correct) / Double(labelled), Double(correctNorm) / Double(labelled), labelled).utf8))
        }
    }
}
