import ArgumentParser
import Foundation
import Sequitur

/// `--output`, `--resume` and `--shard`, declared once for every command with a JSONL batch mode besides
/// `score` (which declares its own): the output is a `JSONLJob`, so all of them resume, shard and merge alike.
struct ResumableOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("JSONL file for the results, one line per input line (batch mode).", valueName: "file"))
    var output: String?
    @Flag(help: "Continue an interrupted run: skip the ids already in --output.") var resume = false
    @Option(help: ArgumentHelp("Take every N-th input line starting at I (0-based); `sequitur merge` joins the outputs.", valueName: "I/N"))
    var shard: String?

    /// The job for `input`, or nil when no `--output` was given. A bad `--shard` is reported before the model
    /// loads, and `--resume`/`--shard` without `--output` are refused rather than ignored.
    func job(input: String?) throws -> JSONLJob? {
        guard let output else {
            guard !resume, shard == nil else { throw ValidationError("--resume and --shard go with --output FILE") }
            return nil
        }
        guard let input else { throw ValidationError("--output needs --input FILE") }
        return JSONLJob(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output), resume: resume,
                        shard: try shard.map(JSONLJob.Shard.init(parsing:)))
    }
}
