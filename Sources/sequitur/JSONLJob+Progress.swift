import ArgumentParser
import Foundation
import Sequitur

extension JSONLJob {
    /// Runs the job as every batch command does: with `recipe` recorded in the sidecar, a progress bar on
    /// standard error, Ctrl-C stopping after the batch in flight (exit 130: rerun with --resume), and a summary
    /// line at the end.
    func runFromCommandLine<Request, Line: Encodable>(label: String, recipe: JobRecipe, batchSize: Int,
                                                      parse: ([String: Any], Int) throws -> (id: String, request: Request),
                                                      process: ([JSONLJob.Item<Request>]) throws -> (lines: [Line], tokens: Int)) throws {
        var job = self
        job.recipe = recipe
        Interrupt.install()
        let bar = ProgressBar(label: label)
        defer { bar.finish() }
        let summary = try job.run(
            batchSize: batchSize,
            parse: parse,
            progress: { bar.update(done: $0, total: $1, tokens: $2) },
            shouldStop: { Interrupt.requested },
            process: process
        )
        bar.finish()
        var note = "\(summary.written) written, \(summary.skippedAsDone) already done"
        if summary.skippedOtherShards > 0 { note += ", \(summary.skippedOtherShards) in other shards" }
        FileHandle.standardError.write(Data("\(label): \(note)\(summary.interrupted ? " (interrupted: rerun with --resume)" : "")\n".utf8))
        if summary.interrupted { throw ExitCode(Interrupt.exitStatus) }
    }
}
