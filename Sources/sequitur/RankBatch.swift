import Foundation
import Sequitur

/// `rank --input Q.jsonl --output OUT.jsonl [--resume] [--shard I/N]`: the questions ranked through the same
/// resumable, shardable job as `score`, one `RankCommand.Line` each; lines are read and checked by
/// `RankingInput`, as for standard output.
extension RankCommand {
    func rankBatch(_ job: JSONLJob, ranker: MultipleChoiceRanker, runtime rt: ModelRuntime) throws {
        let recipe = try rt.jobRecipe(command: "rank", settings: ["delimiter": .string(delimiter), "scorer": .string(rt.configuration.scorer.rawValue)])
        var labelled = 0, correct = 0, correctNorm = 0
        try job.runFromCommandLine(label: "rank", recipe: recipe, batchSize: 1, parse: { object, _ in
            try RankingInput.parse(object, ranker: ranker, delimiter: delimiter, model: rt.model)
        }) { batch in
            let lines = try batch.map { item -> Line in
                let question = item.request
                let ranking = try ranker.rank(question.requests, choices: question.choices, model: rt.model)
                if let label = question.label {
                    labelled += 1
                    if ranking.bestByLogProb == label { correct += 1 }
                    if ranking.bestByLogProbPerCharacter == label { correctNorm += 1 }
                }
                return Line(id: item.id, choices: question.choices, logprobs: ranking.choices.map(\.logProb),
                            acc_prediction: ranking.bestByLogProb, acc_norm_prediction: ranking.bestByLogProbPerCharacter,
                            per_byte_prediction: ranking.bestByLogProbPerByte, label: question.label)
            }
            return (lines, batch.count)
        }
        if labelled > 0 {
            FileHandle.standardError.write(Data(String(format: "acc %.4f  acc_norm %.4f  over the %d labelled questions of this run\n",
                                                       Double(correct) / Double(labelled), Double(correctNorm) / Double(labelled), labelled).utf8))
        }
    }
}
