import ArgumentParser
import Foundation
import Sequitur

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the outputs of a sharded batch job (--shard I/N) into one file in input order, checking that nothing was lost.",
        discussion: """
            sequitur merge --input requests.jsonl --output scores.jsonl shard-0.jsonl shard-1.jsonl shard-2.jsonl

            Works for every batch command (score, score --conversations, rank, compare-decoders, generate). Each \
            shard's sidecar (SHARD.meta.json, written by the job) says which input, model, configuration and \
            shard it comes from. The merge refuses, naming the file, line and id, when: a shard is missing or \
            given twice; shards disagree on the input, model or configuration; a shard ends in a torn line \
            (still running, or killed mid-write: rerun it with --resume); an input id is missing, appears twice \
            or sits in the wrong shard; or a shard holds an id that is not in the input. Otherwise it writes the \
            lines in input order, byte for byte as the shards wrote them, atomically (a temporary file renamed \
            into place), with OUTPUT.meta.json beside it: the same file a single run would have written.
            """
    )

    @Option(help: ArgumentHelp("The JSONL input every shard was run on.", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("The merged JSONL file (replaced atomically if it exists).", valueName: "file")) var output: String
    @Argument(help: ArgumentHelp("The shard outputs, in any order.", valueName: "shard")) var shards: [String]

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give the shard outputs to merge") }
    }

    func run() throws {
        let summary = try ShardMerge.merge(input: URL(fileURLWithPath: input), shards: shards.map { URL(fileURLWithPath: $0) },
                                           output: URL(fileURLWithPath: output))
        FileHandle.standardError.write(Data("merge: \(summary.lines) lines from \(summary.shards) shard(s) into \(output)\n".utf8))
    }
}
